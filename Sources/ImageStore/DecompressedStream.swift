#if canImport(Glibc)
import Glibc
#endif
import CArchive
import ImageSpec

/// The uncompressed bytes of a layer blob, hashed as they go by.
///
/// libarchive's "raw" format with the filter for the layer's compression yields the
/// uncompressed tar stream; a `TarReader` pulls from it through a callback, and the
/// SHA-256 of everything pulled (plus whatever `drain` reads after the tar's end) is the
/// layer's diff ID.
final class DecompressedStream {
    private let archive: OpaquePointer
    private var hasher = SHA256Hasher()
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 17,
                                                                 alignment: 16)
    /// libarchive's message when decompression failed.
    private(set) var failure: String?
    /// Uncompressed bytes produced so far.
    private(set) var count: Int64 = 0

    /// Decompresses `fd` (kept open by the caller) according to `compression`.
    init(fd: Int32, compression: LayerCompression, what: String) throws(ImageStoreError) {
        if let failure = LazyLibrary.archive.acquire() {
            throw .libraryUnavailable(failure)
        }
        archive = archive_read_new()
        switch compression {
        case .gzip: archive_read_support_filter_gzip(archive)
        case .zstd: archive_read_support_filter_zstd(archive)
        // Docker's uncompressed layer type is sometimes given to gzip data: detect it.
        case .uncompressed: archive_read_support_filter_all(archive)
        }
        archive_read_support_format_raw(archive)
        var entry: OpaquePointer?
        guard archive_read_open_fd(archive, fd, 1 << 17) == ARCHIVE_OK,
            archive_read_next_header(archive, &entry) == ARCHIVE_OK
        else {
            // Every stored property is set: throwing runs deinit, which frees it.
            throw .archive(what: what, message: TarReader.errorText(archive))
        }
    }

    deinit {
        archive_read_free(archive)
        LazyLibrary.archive.release()
        buffer.deallocate()
    }

    /// Fills the internal buffer and points `pointer` at it; returns the byte count,
    /// 0 at the end, or ARCHIVE_FATAL with `failure` set.
    func readBlock(into pointer: UnsafeMutablePointer<UnsafeRawPointer?>) -> Int {
        let got = archive_read_data(archive, buffer.baseAddress, buffer.count)
        if got < 0 {
            failure = TarReader.errorText(archive)
            return Int(ARCHIVE_FATAL)
        }
        hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<got]))
        pointer.pointee = UnsafeRawPointer(buffer.baseAddress)
        count += Int64(got)
        return got
    }

    /// Reads what is left after the tar's end (padding) so it is hashed too; returns
    /// the digest of the whole uncompressed stream.
    func drain(what: String) throws(ImageStoreError) -> Digest {
        var pointer: UnsafeRawPointer?
        while true {
            let got = readBlock(into: &pointer)
            if got < 0 {
                throw .archive(what: what, message: failure ?? "decompression failed")
            }
            if got == 0 {
                break
            }
        }
        var finishedHasher = SHA256Hasher()
        swap(&finishedHasher, &hasher)
        let digest = finishedHasher.finish()
        return digest
    }
}
