/// A mount that makes a container root, in the form an OCI runtime takes
/// (`config.json`'s `mounts` entries: type, source, options).
public struct Mount: Sendable, Equatable, Codable, CustomStringConvertible {
    /// `overlay`, or `bind` for a root the copying snapshotter made.
    public var type: String
    public var source: String
    public var options: [String]

    public init(type: String, source: String, options: [String]) {
        self.type = type
        self.source = source
        self.options = options
    }

    public var description: String {
        "\(type) \(source) \(options.joined(separator: ","))"
    }
}
