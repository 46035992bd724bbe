import ImageSpec

/// What a pull found and fetched.
public struct PullResult: Sendable {
    /// The reference's target: an index or a single manifest. Its digest names the image.
    public var root: Descriptor
    /// The image manifests chosen (one per platform pulled).
    public var manifests: [Descriptor]
    /// Configuration and layer blobs fetched from the registry.
    public var fetched: [Descriptor]
    /// Configuration and layer blobs the store already had.
    public var skipped: [Descriptor]
    /// Bytes received for blobs (manifests not counted).
    public var bytesDownloaded: Int64
}
