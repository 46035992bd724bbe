#if canImport(Glibc)
import Glibc
#endif
import Distribution
import ImageSpec
import Synchronization
import SystemKit

/// A content store for tests: `blobs/sha256/<hex>` made visible by renaming a finished
/// `ingest/<hex>` file. Counts the writers it hands out, so a test can see that a pull
/// fetched nothing.
final class DirectoryStore: ContentProvider {
    let root: String
    private let writers = Mutex(0)

    init(root: String) throws {
        self.root = root
        try FileSystem.createDirectory(root + "/blobs/sha256")
        try FileSystem.createDirectory(root + "/ingest")
    }

    var writersHandedOut: Int { writers.withLock { $0 } }

    func path(of digest: Digest) -> String {
        "\(root)/blobs/\(digest.algorithm)/\(digest.hex)"
    }

    func ingestPath(of digest: Digest) -> String {
        "\(root)/ingest/\(digest.hex)"
    }

    func has(_ digest: Digest) -> Bool {
        FileSystem.exists(path(of: digest))
    }

    func read(_ digest: Digest) throws -> [UInt8] {
        try FileSystem.read(path(of: digest))
    }

    func writer(for descriptor: Descriptor) throws -> any BlobSink {
        writers.withLock { $0 += 1 }
        return try IngestSink(ingest: ingestPath(of: descriptor.digest),
                              final: path(of: descriptor.digest))
    }

    /// The names under `ingest/`: what aborted writes left behind (nothing, if correct).
    func ingestLeftovers() throws -> [String] {
        try FileSystem.listDirectory(root + "/ingest")
    }
}

/// Appends to an ingest file that a commit renames into place.
final class IngestSink: BlobSink {
    let ingest: String
    let final: String
    private let fd: FileDescriptor
    private(set) var alreadyHave: Int64

    init(ingest: String, final: String) throws {
        self.ingest = ingest
        self.final = final
        fd = try FileDescriptor.open(ingest, O_WRONLY | O_CREAT | O_APPEND, mode: 0o644)
        var status = stat()
        fstat(fd.rawValue, &status)
        alreadyHave = Int64(status.st_size)
    }

    deinit {
        fd.close()
    }

    func replay(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let bytes = try FileSystem.read(ingest)
        try bytes.withUnsafeBytes { try body($0) }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        try fd.writeAll(Array(bytes))
    }

    func commit(digest: Digest, size: Int64) throws {
        try fd.sync()
        try Syscall.check("rename", path: final) { rename(ingest, final) }
    }

    func abort() {
        unlink(ingest)
    }
}
