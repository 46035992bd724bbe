/// The result of `ArgumentParser.parse`: option values by primary name, and positionals.
public struct ParsedArguments: Sendable {
    /// Every value given for an option, in order; a flag records an empty list entry.
    var values: [String: [String?]] = [:]
    public var positionals: [String] = []

    mutating func record(_ name: String, _ value: String?) {
        values[name, default: []].append(value)
    }

    /// Whether the flag was given (and not as `--flag=false`).
    public func flag(_ name: String) -> Bool {
        guard let last = values[name]?.last else { return false }
        return last != "\u{0}false"
    }

    /// The last value given for the option.
    public func value(_ name: String) -> String? {
        values[name]?.last ?? nil
    }

    /// Every value given for a repeatable option.
    public func all(_ name: String) -> [String] {
        (values[name] ?? []).compactMap { $0 }
    }

    /// The option's value as an integer, or a usage error naming the option.
    public func integer(_ name: String) throws(UsageError) -> Int? {
        guard let text = value(name) else { return nil }
        guard let number = Int(text) else {
            throw UsageError("option '--\(name)' needs a whole number, not '\(text)'")
        }
        return number
    }
}
