#if canImport(Glibc)
import Glibc
#endif
import CShim
import ImageSpec
import SystemKit

/// Blobs addressed by digest under a root directory.
///
/// Layout: `blobs/sha256/<hex>` holds each verified blob; `ingest/` holds blobs being
/// written (see `ContentWriter`). Opening the store removes ingest files that no live
/// writer holds locked: what a crash left half written.
///
/// Safe to share between threads: the store keeps no mutable state of its own, and
/// concurrent writers of one digest coordinate through a file lock.
public final class ContentStore: Sendable {
    /// The directory holding `blobs/` and `ingest/`.
    public let root: String

    /// Opens (creating when needed) the store under `root`.
    public init(root: String) throws(ImageStoreError) {
        self.root = root
        try systemCall { () throws(SystemError) in
            try FileSystem.createDirectory(root + "/blobs/sha256", mode: 0o700)
            try FileSystem.createDirectory(root + "/ingest", mode: 0o700)
        }
        try removeStaleIngests()
    }

    /// A writer for a new blob. Give `expected` whenever the digest is known in advance:
    /// the writer then verifies it, and concurrent writers of the digest write it once.
    public func writer(expected: Descriptor? = nil) throws(ImageStoreError) -> ContentWriter {
        try ContentWriter(store: self, expected: expected)
    }

    /// Where the blob `digest` lives (whether or not it exists).
    public func path(of digest: Digest) -> String {
        "\(root)/blobs/\(digest.algorithm)/\(digest.hex)"
    }

    /// Whether the blob is present.
    public func exists(_ digest: Digest) -> Bool {
        var status = stat()
        return stat(path(of: digest), &status) == 0
    }

    /// The size of the stored blob.
    public func size(of digest: Digest) throws(ImageStoreError) -> Int64 {
        var status = stat()
        let path = path(of: digest)
        _ = try systemCall { () throws(SystemError) in
            try Syscall.check("stat", path: path) { stat(path, &status) }
        }
        return Int64(status.st_size)
    }

    /// The whole blob. Meant for small documents (indexes, manifests, configs).
    public func read(_ digest: Digest) throws(ImageStoreError) -> [UInt8] {
        do {
            return try FileSystem.read(path(of: digest))
        } catch where error.errno == ENOENT {
            throw .blobNotFound(digest, referencedBy: nil)
        } catch {
            throw .system(error)
        }
    }

    /// Opens the blob for streaming reads; the caller closes the descriptor.
    public func open(_ digest: Digest) throws(ImageStoreError) -> FileDescriptor {
        try systemCall { () throws(SystemError) in
            try FileDescriptor.open(path(of: digest), O_RDONLY)
        }
    }

    /// Syncs the blob directory, making earlier renames into it durable.
    public func syncBlobs() throws(ImageStoreError) {
        try systemCall { () throws(SystemError) in
            try FileSystem.syncDirectory(containing: root + "/blobs/sha256/.")
        }
    }

    /// Removes the blob; a missing blob is not an error.
    public func delete(_ digest: Digest) throws(ImageStoreError) {
        let path = path(of: digest)
        if unlink(path) != 0 && currentErrno() != ENOENT {
            throw .system(SystemError(call: "unlink", path: path, errno: currentErrno()))
        }
    }

    /// Every stored blob's digest.
    public func list() throws(ImageStoreError) -> [Digest] {
        let names = try systemCall { () throws(SystemError) in
            try FileSystem.listDirectory(root + "/blobs/sha256")
        }
        return names.compactMap { Digest("sha256:" + $0) }.sorted { $0.hex < $1.hex }
    }

    /// Removes ingest files that nobody holds locked.
    private func removeStaleIngests() throws(ImageStoreError) {
        let directory = root + "/ingest"
        let names = try systemCall { () throws(SystemError) in
            try FileSystem.listDirectory(directory)
        }
        for name in names {
            let path = directory + "/" + name
            let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
            guard fd >= 0 else { continue }
            if flock(fd, LOCK_EX | LOCK_NB) == 0 {
                unlink(path)
            }
            Glibc.close(fd)
        }
    }

    /// A random name for temporary files.
    static func randomName() -> String {
        var bytes = [UInt8](repeating: 0, count: 8)
        _ = cshim_random_bytes(&bytes, bytes.count)
        return bytes.map { byte in
            let digits = Array("0123456789abcdef")
            return String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0xf)])
        }.joined()
    }
}
