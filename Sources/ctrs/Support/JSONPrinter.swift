import Varlink

/// JSON for people and for scripts: indented text (`container info`, `image inspect`)
/// and the compact form `--format json` prints.
enum JSONPrinter {
    /// `value` as indented JSON text, two spaces per level.
    static func indented(_ value: JSONValue, level: Int = 0) -> String {
        let padding = String(repeating: "  ", count: level + 1)
        let closing = String(repeating: "  ", count: level)
        switch value {
        case .array(let elements) where !elements.isEmpty:
            let items = elements.map { padding + indented($0, level: level + 1) }
            return "[\n" + items.joined(separator: ",\n") + "\n" + closing + "]"
        case .object(let object) where !object.isEmpty:
            let items = object.map { key, member in
                let name = JSONValue.string(key).jsonText
                return padding + name + ": " + indented(member, level: level + 1)
            }
            return "{\n" + items.joined(separator: ",\n") + "\n" + closing + "}"
        default:
            return value.jsonText
        }
    }

    /// Prints `value` compactly on one line.
    static func printCompact(_ value: JSONValue) {
        StandardStreams.printLine(value.jsonText)
    }

    static func printIndented(_ value: JSONValue) {
        StandardStreams.printLine(indented(value))
    }
}
