/// A stored container: what it runs and where its root lives. Its task (the running
/// process) is tracked separately, by the monitor's files.
public struct ContainerRecord: Codable, Sendable, Equatable {
    public var id: String
    public var spec: ContainerSpec
    /// The normalized image name and the digest of the manifest it was created from.
    public var imageName: String
    public var imageDigest: String
    /// The key of its writable snapshot in the image store.
    public var snapshotKey: String
    /// The OCI runtime binary that runs it.
    public var runtime: String
    public var labels: [String: String]
    public var createdAt: String
    public var updatedAt: String

    public init(id: String, spec: ContainerSpec, imageName: String, imageDigest: String,
                snapshotKey: String, runtime: String, labels: [String: String],
                createdAt: String, updatedAt: String) {
        self.id = id
        self.spec = spec
        self.imageName = imageName
        self.imageDigest = imageDigest
        self.snapshotKey = snapshotKey
        self.runtime = runtime
        self.labels = labels
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Whether `id` may name a container: `[A-Za-z0-9][A-Za-z0-9_.-]{0,127}`.
    public static func isValidID(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard let first = bytes.first, bytes.count <= 128 else { return false }
        func alphanumeric(_ byte: UInt8) -> Bool {
            (0x30...0x39).contains(byte) || (0x41...0x5a).contains(byte)
                || (0x61...0x7a).contains(byte)
        }
        return alphanumeric(first)
            && bytes.dropFirst().allSatisfy { byte in
                alphanumeric(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
                    || byte == UInt8(ascii: "-")
            }
    }
}
