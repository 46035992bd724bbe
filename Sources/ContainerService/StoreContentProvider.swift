import Distribution
import ImageSpec
import ImageStore

/// The image store's content store as a pull writes into it: every blob through a
/// verifying ingest writer, each protected by the pull's lease until an image names it.
final class StoreContentProvider: ContentProvider {
    let images: ImageService
    let lease: String

    init(images: ImageService, lease: String) {
        self.images = images
        self.lease = lease
    }

    func has(_ digest: Digest) -> Bool {
        images.content.exists(digest)
    }

    func read(_ digest: Digest) throws -> [UInt8] {
        try images.content.read(digest)
    }

    func writer(for descriptor: Descriptor) throws -> any BlobSink {
        ContentWriterSink(writer: try images.content.writer(expected: descriptor),
                          images: images, lease: lease)
    }
}

/// A `BlobSink` over the content store's writer. Partial downloads are not kept across
/// pulls (the writer discards its ingest file on abort), so nothing is replayed.
final class ContentWriterSink: BlobSink {
    let writer: ContentWriter
    let images: ImageService
    let lease: String

    init(writer: ContentWriter, images: ImageService, lease: String) {
        self.writer = writer
        self.images = images
        self.lease = lease
    }

    var alreadyHave: Int64 { 0 }

    func replay(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {}

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        try writer.write(bytes)
    }

    func commit(digest: Digest, size: Int64) throws {
        try images.addToLease(lease, digest: digest)
        try writer.commit(expectedDigest: digest, expectedSize: size)
    }

    func abort() {
        writer.abort()
    }
}
