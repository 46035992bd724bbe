#if canImport(Glibc)
import Glibc
#endif
import CArchive
import ImageSpec

/// Reads a tar archive entry by entry with libarchive, streaming: nothing is extracted
/// or buffered beyond libarchive's own blocks.
///
/// Two sources: a file descriptor (an image archive, or standard input), or a
/// `DecompressedStream` that decompresses a layer blob and hashes what it yields.
final class TarReader {
    private let archive: OpaquePointer
    /// What is being read, for error messages.
    let what: String
    private var stream: DecompressedStream?

    /// Reads the tar (possibly compressed) from `fd`; the caller keeps `fd` open.
    init(fd: Int32, what: String) throws(ImageStoreError) {
        if let failure = LazyLibrary.archive.acquire() {
            throw .libraryUnavailable(failure)
        }
        self.what = what
        archive = archive_read_new()
        archive_read_support_format_tar(archive)
        archive_read_support_filter_all(archive)
        if archive_read_open_fd(archive, fd, 1 << 16) != ARCHIVE_OK {
            // Every stored property is set: throwing runs deinit, which frees it.
            throw .archive(what: what, message: Self.errorText(archive))
        }
    }

    /// Reads the tar that `stream` yields.
    init(stream: DecompressedStream, what: String) throws(ImageStoreError) {
        if let failure = LazyLibrary.archive.acquire() {
            throw .libraryUnavailable(failure)
        }
        self.what = what
        self.stream = stream
        archive = archive_read_new()
        archive_read_support_format_tar(archive)
        let client = Unmanaged.passUnretained(stream).toOpaque()
        let code = archive_read_open(archive, client, nil, decompressedRead, nil)
        if code != ARCHIVE_OK {
            throw .archive(what: what, message: stream.failure ?? Self.errorText(archive))
        }
    }

    deinit {
        archive_read_free(archive)
        LazyLibrary.archive.release()
    }

    /// The next entry, or nil at the end of the archive.
    func next() throws(ImageStoreError) -> TarEntry? {
        var entry: OpaquePointer?
        let code = archive_read_next_header(archive, &entry)
        if code == ARCHIVE_EOF {
            return nil
        }
        guard code == ARCHIVE_OK || code == ARCHIVE_WARN, let entry else {
            throw failure()
        }
        return TarEntry(entry)
    }

    /// Calls `body` with each block of the current entry's data and its offset in the
    /// file (holes of sparse files are skipped over, so offsets may jump).
    func readData(_ body: (UnsafeRawBufferPointer, Int64) throws(ImageStoreError) -> Void)
        throws(ImageStoreError)
    {
        var buffer: UnsafeRawPointer?
        var size = 0
        var offset: la_int64_t = 0
        while true {
            let code = archive_read_data_block(archive, &buffer, &size, &offset)
            if code == ARCHIVE_EOF {
                return
            }
            guard code == ARCHIVE_OK || code == ARCHIVE_WARN else {
                throw failure()
            }
            if size > 0, let buffer {
                try body(UnsafeRawBufferPointer(start: buffer, count: size), offset)
            }
        }
    }

    /// Reads the current entry's data into memory, refusing more than `limit` bytes.
    func readAll(limit: Int, entry: String) throws(ImageStoreError) -> [UInt8] {
        var bytes: [UInt8] = []
        try readData { (block, _) throws(ImageStoreError) in
            bytes.append(contentsOf: block)
            if bytes.count > limit {
                throw .invalidArchive(what: what, reason: "\(entry) is larger than \(limit) bytes")
            }
        }
        return bytes
    }

    /// Skips the current entry's data.
    func skipData() throws(ImageStoreError) {
        if archive_read_data_skip(archive) != ARCHIVE_OK {
            throw failure()
        }
    }

    private func failure() -> ImageStoreError {
        .archive(what: what, message: stream?.failure ?? Self.errorText(archive))
    }

    static func errorText(_ archive: OpaquePointer) -> String {
        archive_error_string(archive).map { String(cString: $0) } ?? "unknown libarchive error"
    }
}

/// libarchive's read callback for a tar read from a `DecompressedStream`.
private func decompressedRead(
    _ archive: OpaquePointer?,
    _ client: UnsafeMutableRawPointer?,
    _ buffer: UnsafeMutablePointer<UnsafeRawPointer?>?
) -> la_ssize_t {
    let stream = Unmanaged<DecompressedStream>.fromOpaque(client!).takeUnretainedValue()
    return stream.readBlock(into: buffer!)
}
