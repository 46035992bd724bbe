#if canImport(Glibc)
import Glibc
#endif
import ImageSpec
import SystemKit

/// Streams one blob into the content store.
///
/// Bytes go to a file in the store's `ingest/` directory while being hashed. `commit`
/// checks the size and digest, syncs the file and renames it to `blobs/sha256/<hex>`, so
/// a blob is visible only once it is complete and verified; `abort` (or dropping the
/// writer uncommitted) removes the partial file.
///
/// When the writer was made with an expected descriptor, its ingest file is named after
/// the digest and held under an exclusive `flock`: a second writer of the same digest
/// waits for the first, then finds the blob present (`alreadyExists`) and writes
/// nothing. Callers should check `alreadyExists` first and skip sending the bytes; a
/// writer that already exists ignores writes and its `commit` only checks that the
/// stored blob has the expected size.
///
/// A writer may move between threads or tasks but is used from one at a time.
public final class ContentWriter: @unchecked Sendable {
    /// The store the blob goes into.
    public let store: ContentStore
    /// What the caller announced, if anything.
    public let expected: Descriptor?
    /// True when the blob was already in the store: nothing needs writing.
    public let alreadyExists: Bool
    /// The number of bytes written so far.
    public private(set) var written: Int64 = 0
    /// After `commit`: whether this writer added the blob (false when it was there).
    public private(set) var created = false

    private let ingestPath: String
    private var file: FileDescriptor?
    private var hasher = SHA256Hasher()
    private var finished = false

    init(store: ContentStore, expected: Descriptor?) throws(ImageStoreError) {
        self.store = store
        self.expected = expected
        if let expected {
            let path = store.root + "/ingest/" + expected.digest.hex
            ingestPath = path
            let locked = try Self.openLocked(path)
            if store.exists(expected.digest) {
                file = nil
                alreadyExists = true
                // Another writer committed while we waited; our empty file goes.
                unlink(path)
                locked.close()
                return
            }
            _ = try systemCall { () throws(SystemError) in
                try Syscall.check("ftruncate", path: path) { ftruncate(locked.rawValue, 0) }
            }
            file = locked
        } else {
            let path = store.root + "/ingest/tmp-" + ContentStore.randomName()
            ingestPath = path
            let created = try systemCall { () throws(SystemError) in
                try FileDescriptor.open(path, O_RDWR | O_CREAT | O_EXCL, mode: 0o644)
            }
            flock(created.rawValue, LOCK_EX)
            file = created
        }
        alreadyExists = false
    }

    deinit {
        if !finished {
            abort()
        }
    }

    /// Opens `path` and takes an exclusive lock on the very file the path names, retrying
    /// when the file was replaced or unlinked while we waited for the lock.
    private static func openLocked(_ path: String) throws(ImageStoreError) -> FileDescriptor {
        while true {
            let fd = try systemCall { () throws(SystemError) in
                try FileDescriptor.open(path, O_RDWR | O_CREAT, mode: 0o644)
            }
            do {
                try Syscall.check("flock", path: path) { flock(fd.rawValue, LOCK_EX) }
            } catch {
                fd.close()
                throw .system(error)
            }
            var held = stat()
            var named = stat()
            if fstat(fd.rawValue, &held) == 0, stat(path, &named) == 0,
                held.st_ino == named.st_ino, held.st_dev == named.st_dev
            {
                return fd
            }
            fd.close()
        }
    }

    /// Appends `bytes` to the blob.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(ImageStoreError) {
        guard let file, !finished else { return }
        hasher.update(bytes)
        var offset = 0
        while offset < bytes.count {
            let count = try systemCall { () throws(SystemError) in
                try Syscall.check("write", path: ingestPath) {
                    Glibc.write(file.rawValue, bytes.baseAddress! + offset, bytes.count - offset)
                }
            }
            offset += count
        }
        written += Int64(bytes.count)
        if let expected, written > expected.size {
            throw .sizeMismatch(what: "blob \(expected.digest)", expected: expected.size,
                                actual: written)
        }
    }

    /// Appends `bytes` to the blob.
    public func write(_ bytes: [UInt8]) throws(ImageStoreError) {
        var failure: ImageStoreError?
        bytes.withUnsafeBytes { raw in
            do throws(ImageStoreError) { try write(raw) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Checks the blob against `expectedDigest` and `expectedSize` (falling back to the
    /// descriptor given at creation), syncs it and makes it visible under its digest.
    /// Returns the blob's digest and size. On a mismatch the partial file is removed.
    @discardableResult
    public func commit(expectedDigest: Digest? = nil, expectedSize: Int64? = nil)
        throws(ImageStoreError) -> (digest: Digest, size: Int64)
    {
        try commit(expectedDigest: expectedDigest, expectedSize: expectedSize,
                   syncDirectory: true)
    }

    /// `commit`, leaving the directory sync to the caller when `syncDirectory` is false
    /// (an import commits many blobs, then calls `ContentStore.syncBlobs` once before
    /// recording any name).
    @discardableResult
    func commit(expectedDigest: Digest?, expectedSize: Int64?, syncDirectory: Bool)
        throws(ImageStoreError) -> (digest: Digest, size: Int64)
    {
        let wantedDigest = expectedDigest ?? expected?.digest
        let wantedSize = expectedSize ?? expected?.size
        if alreadyExists, let wantedDigest {
            finished = true
            let size = try store.size(of: wantedDigest)
            if let wantedSize, size != wantedSize {
                throw .sizeMismatch(what: "blob \(wantedDigest)", expected: wantedSize,
                                    actual: size)
            }
            return (wantedDigest, size)
        }
        guard let file, !finished else {
            throw .system(SystemError(call: "commit", path: ingestPath, errno: EBADF))
        }

        var finishedHasher = SHA256Hasher()
        swap(&finishedHasher, &hasher)
        let digest = finishedHasher.finish()
        do throws(ImageStoreError) {
            if let wantedSize, written != wantedSize {
                throw ImageStoreError.sizeMismatch(what: "blob \(wantedDigest ?? digest)",
                                                   expected: wantedSize, actual: written)
            }
            if let wantedDigest, wantedDigest != digest {
                throw ImageStoreError.digestMismatch(what: "blob", expected: wantedDigest,
                                                     actual: digest)
            }
            if store.exists(digest) {
                // Written by an unannounced writer while another copy landed: keep one.
                abort()
                return (digest, written)
            }
            try systemCall { () throws(SystemError) in
                try file.sync()
                let target = store.path(of: digest)
                try Syscall.check("rename", path: target) { rename(ingestPath, target) }
                if syncDirectory {
                    try FileSystem.syncDirectory(containing: target)
                }
            }
        } catch {
            abort()
            throw error
        }
        finished = true
        created = true
        file.close()
        self.file = nil
        return (digest, written)
    }

    /// Drops what was written. Safe to call more than once.
    public func abort() {
        guard !finished else { return }
        finished = true
        if let file {
            unlink(ingestPath)
            file.close()
            self.file = nil
        }
    }
}
