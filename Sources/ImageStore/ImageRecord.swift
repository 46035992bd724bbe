import ImageSpec

/// An image as the metadata store knows it: a name and the content it points at.
public struct ImageRecord: Sendable, Codable, Equatable {
    /// The normalized reference (`docker.io/library/alpine:3.20.3`), or the target's
    /// digest (`sha256:...`) for an image imported without a name.
    public var name: String
    /// The index or manifest the name points at.
    public var target: Descriptor
    /// When the name was first recorded and last pointed somewhere (RFC 3339, UTC).
    public var created: String
    public var updated: String
    public var labels: [String: String]

    public init(name: String, target: Descriptor, created: String, updated: String,
                labels: [String: String] = [:]) {
        self.name = name
        self.target = target
        self.created = created
        self.updated = updated
        self.labels = labels
    }
}
