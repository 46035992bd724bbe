/// Parses flags the way runc's command line does, so that supervisors written for runc
/// can call runcs unchanged: `--flag value`, `--flag=value`, the single-dash long forms
/// (`-flag value`, `-flag=value`), one-letter aliases (`-d`), and booleans with or
/// without `=true`/`=false`. Flags end at `--`, and at the first positional argument
/// unless `flagsAfterArguments` is set: then, as runc's verbs that take only ids do, flags
/// may also follow the ids (`update ID --memory 1M`).
public struct CommandLineParser: Sendable {
    /// A flag: its names without dashes (the first is the one results are keyed by), and
    /// whether it takes a value.
    public struct Flag: Sendable {
        public let names: [String]
        public let takesValue: Bool

        public init(_ names: String..., value takesValue: Bool = false) {
            self.names = names
            self.takesValue = takesValue
        }
    }

    /// The flags found, by first name (each value in order), and what followed them.
    public struct Result: Sendable, Equatable {
        public var values: [String: [String]] = [:]
        public var rest: [String] = []

        /// The last value given for `name`, if any.
        public func value(_ name: String) -> String? {
            values[name]?.last
        }

        /// Whether the boolean `name` is on.
        public func isSet(_ name: String) -> Bool {
            guard let last = values[name]?.last else {
                return false
            }
            return last != "false"
        }
    }

    public let flags: [Flag]
    public let flagsAfterArguments: Bool

    public init(_ flags: [Flag], flagsAfterArguments: Bool = false) {
        self.flags = flags
        self.flagsAfterArguments = flagsAfterArguments
    }

    public func parse<Arguments: Collection>(_ arguments: Arguments) throws(RuntimeError)
        -> Result where Arguments.Element == String
    {
        var result = Result()
        var positionals: [String] = []
        var remaining = Array(arguments)[...]
        while let argument = remaining.first {
            if argument == "--" {
                remaining.removeFirst()
                break
            }
            guard argument.hasPrefix("-"), argument.count > 1 else {
                guard flagsAfterArguments else {
                    break
                }
                positionals.append(argument)
                remaining.removeFirst()
                continue
            }
            remaining.removeFirst()
            let body = argument.drop { $0 == "-" }
            let name: Substring
            var inline: String?
            if let equals = body.firstIndex(of: "=") {
                name = body[..<equals]
                inline = String(body[body.index(after: equals)...])
            } else {
                name = body
            }
            guard let flag = flags.first(where: { $0.names.contains(String(name)) }) else {
                throw RuntimeError(.invalidArgument, "flag provided but not defined: \(argument)")
            }
            let key = flag.names[0]
            if flag.takesValue {
                if let inline {
                    result.values[key, default: []].append(inline)
                } else if let next = remaining.first {
                    result.values[key, default: []].append(next)
                    remaining.removeFirst()
                } else {
                    throw RuntimeError(.invalidArgument, "flag needs an argument: \(argument)")
                }
            } else {
                let value = inline ?? "true"
                guard value == "true" || value == "false" else {
                    throw RuntimeError(.invalidArgument,
                                       "invalid boolean value \"\(value)\" for \(argument)")
                }
                result.values[key, default: []].append(value)
            }
        }
        result.rest = positionals + remaining
        return result
    }
}
