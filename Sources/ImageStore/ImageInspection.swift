import ImageSpec

/// What `ImageService.inspect` shows: the record, and the platform manifest and
/// configuration chosen for this host.
public struct ImageInspection: Sendable, Codable {
    public var record: ImageRecord
    /// The index, when the image's target is one.
    public var index: ImageIndex?
    public var manifestDescriptor: Descriptor
    public var manifest: ImageManifest
    public var configuration: ImageConfiguration
}
