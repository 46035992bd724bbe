/// Parses a command's arguments against the options it declares.
///
/// Accepted forms, as runc, Docker and ctr users type them:
/// `--name value`, `--name=value`, `-name value` (single-dash long names, which callers
/// written for runc still send), `-n value`, `-nvalue`, grouped short flags `-it`, and
/// `--` to end the options. Parsing stops at the `positionalLimit`-th positional
/// argument when one is set, so that `ctrs run IMAGE ID sh -c 'ls -l'` leaves `-c` to
/// the command.
public struct ArgumentParser: Sendable {
    public struct Option: Sendable {
        public let names: [String]
        public let takesValue: Bool
        public let help: String
        public let valueName: String

        /// An option; `names` are written without dashes, long and short alike.
        public init(_ names: String..., value: String? = nil, help: String) {
            self.names = names
            self.takesValue = value != nil
            self.valueName = value ?? ""
            self.help = help
        }

        var primary: String { names[0] }
    }

    public let command: String
    public let options: [Option]
    public let positionalLimit: Int?

    public init(command: String, options: [Option], positionalLimit: Int? = nil) {
        self.command = command
        self.options = options
        self.positionalLimit = positionalLimit
    }

    /// Parses `arguments` (without the command names themselves).
    public func parse(_ arguments: [String]) throws(UsageError) -> ParsedArguments {
        var parsed = ParsedArguments()
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if let limit = positionalLimit, parsed.positionals.count >= limit {
                parsed.positionals.append(argument)
                continue
            }
            if argument == "--" {
                parsed.positionals.append(contentsOf: arguments[index...])
                break
            }
            guard argument.hasPrefix("-"), argument.count > 1 else {
                parsed.positionals.append(argument)
                continue
            }
            let body = argument.drop(while: { $0 == "-" })
            let doubleDash = argument.hasPrefix("--")
            var name = String(body)
            var inlineValue: String?
            if let equals = body.firstIndex(of: "=") {
                name = String(body[..<equals])
                inlineValue = String(body[body.index(after: equals)...])
            }
            if let option = option(named: name) {
                let value = try takeValue(for: option, inline: inlineValue, argument: argument,
                                          from: arguments, at: &index)
                parsed.record(option.primary, value)
                continue
            }
            guard !doubleDash, inlineValue == nil else {
                throw UsageError("unknown option '\(argument)' for '\(command)'")
            }
            try parseShortGroup(Array(body), argument: argument, from: arguments, at: &index,
                                into: &parsed)
        }
        return parsed
    }

    func option(named name: String) -> Option? {
        options.first { $0.names.contains(name) }
    }

    func takeValue(
        for option: Option, inline: String?, argument: String,
        from arguments: [String], at index: inout Int
    ) throws(UsageError) -> String? {
        guard option.takesValue else {
            if let inline {
                // `--detach=false` and friends, as Go's flag package accepts them.
                switch inline {
                case "true", "1": return nil
                case "false", "0": return "\u{0}false"
                default: throw UsageError("option '--\(option.primary)' takes no value")
                }
            }
            return nil
        }
        if let inline {
            return inline
        }
        guard index < arguments.count else {
            throw UsageError("option '\(argument)' needs a value (\(option.valueName))")
        }
        index += 1
        return arguments[index - 1]
    }

    /// `-it` is `-i -t`; `-uroot` is `-u root`.
    func parseShortGroup(
        _ letters: [Character], argument: String, from arguments: [String],
        at index: inout Int, into parsed: inout ParsedArguments
    ) throws(UsageError) {
        var position = 0
        while position < letters.count {
            guard let option = option(named: String(letters[position])) else {
                throw UsageError("unknown option '\(argument)' for '\(command)'")
            }
            position += 1
            if option.takesValue {
                let rest = String(letters[position...])
                if rest.isEmpty {
                    guard index < arguments.count else {
                        throw UsageError("option '-\(option.primary)' needs a value")
                    }
                    parsed.record(option.primary, arguments[index])
                    index += 1
                } else {
                    parsed.record(option.primary, rest)
                }
                return
            }
            parsed.record(option.primary, nil)
        }
    }

    /// The options as help text lines, aligned.
    public var optionsHelp: String {
        let rows = options.map { option -> (String, String) in
            let names = option.names.map { $0.count == 1 ? "-\($0)" : "--\($0)" }
                .joined(separator: ", ")
            let left = option.takesValue ? "\(names) \(option.valueName)" : names
            return (left, option.help)
        }
        let width = min(30, rows.map(\.0.count).max() ?? 0)
        return rows.map { left, help in
            let padding = String(repeating: " ", count: max(1, width - left.count + 2))
            return "  \(left)\(padding)\(help)"
        }.joined(separator: "\n")
    }
}

/// A usage mistake: the message says what is wrong with the command line.
public struct UsageError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
