import ImageSpec

/// Where a downloaded blob goes: the content store's ingest file for one descriptor.
///
/// The client writes the bytes in order, then either commits (after it verified size and
/// digest itself) or aborts. A sink is used by one thread at a time.
public protocol BlobSink: AnyObject {
    /// Bytes kept from an earlier, interrupted download of the same blob; the client
    /// asks the registry only for the rest.
    var alreadyHave: Int64 { get }

    /// Hands the `alreadyHave` bytes to `body` in order, in one or more pieces, so the
    /// client can hash the whole blob.
    func replay(_ body: (UnsafeRawBufferPointer) throws -> Void) throws

    /// Appends `bytes`.
    func write(_ bytes: UnsafeRawBufferPointer) throws

    /// Makes the blob visible under `digest`; called once all `size` bytes verified.
    func commit(digest: Digest, size: Int64) throws

    /// Throws away what was written; the blob never becomes visible.
    func abort()
}
