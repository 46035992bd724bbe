import ImageSpec

/// The content store as a pull sees it: what it has, small documents read back, and a
/// writer for each new blob. The daemon's content store conforms to it.
///
/// Called from several threads at once during a pull (one per parallel download).
public protocol ContentProvider: AnyObject, Sendable {
    /// Whether the blob `digest` is stored and complete.
    func has(_ digest: Digest) -> Bool

    /// The bytes of a stored blob; used for manifests, indexes and configurations.
    func read(_ digest: Digest) throws -> [UInt8]

    /// A sink for the blob `descriptor`, resuming an earlier partial write if any.
    func writer(for descriptor: Descriptor) throws -> any BlobSink
}
