#if canImport(Glibc)
import Glibc
#endif
import CArchive
import ImageSpec
import SystemKit

/// Writes a POSIX (pax) tar with libarchive, streaming file content from disk.
final class TarWriter {
    private let archive: OpaquePointer
    private let path: String
    private var closed = false

    init(path: String) throws(ImageStoreError) {
        if let failure = LazyLibrary.archive.acquire() {
            throw .libraryUnavailable(failure)
        }
        self.path = path
        archive = archive_write_new()
        archive_write_set_format_pax_restricted(archive)
        if archive_write_open_filename(archive, path) != ARCHIVE_OK {
            // Every stored property is set: throwing runs deinit, which frees it.
            closed = true
            throw .archive(what: path, message: TarReader.errorText(archive))
        }
    }

    deinit {
        if !closed {
            archive_write_close(archive)
        }
        archive_write_free(archive)
        LazyLibrary.archive.release()
    }

    /// Adds a regular file `name` holding `bytes`.
    func add(_ name: String, _ bytes: [UInt8]) throws(ImageStoreError) {
        try header(name, size: Int64(bytes.count))
        let wrote = bytes.withUnsafeBytes { archive_write_data(archive, $0.baseAddress, $0.count) }
        guard wrote == bytes.count else { throw failure() }
    }

    /// Adds a regular file `name` with the content of the file at `source`.
    func addFile(_ name: String, from source: String) throws(ImageStoreError) {
        let fd = try systemCall { () throws(SystemError) in
            try FileDescriptor.open(source, O_RDONLY)
        }
        defer { fd.close() }
        var status = stat()
        fstat(fd.rawValue, &status)
        try header(name, size: Int64(status.st_size))
        var buffer = [UInt8](repeating: 0, count: 1 << 17)
        while true {
            let got = try systemCall { () throws(SystemError) in
                try Syscall.check("read", path: source) {
                    buffer.withUnsafeMutableBytes { read(fd.rawValue, $0.baseAddress, $0.count) }
                }
            }
            if got == 0 { break }
            let wrote = buffer.withUnsafeBytes { archive_write_data(archive, $0.baseAddress, got) }
            guard wrote == got else { throw failure() }
        }
    }

    /// Writes the end of the archive and closes the file.
    func finish() throws(ImageStoreError) {
        closed = true
        guard archive_write_close(archive) == ARCHIVE_OK else { throw failure() }
    }

    private func header(_ name: String, size: Int64) throws(ImageStoreError) {
        let entry = archive_entry_new()
        defer { archive_entry_free(entry) }
        archive_entry_set_pathname(entry, name)
        archive_entry_set_size(entry, size)
        archive_entry_set_filetype(entry, UInt32(Glibc.S_IFREG))
        archive_entry_set_perm(entry, 0o644)
        guard archive_write_header(archive, entry) == ARCHIVE_OK else { throw failure() }
    }

    private func failure() -> ImageStoreError {
        .archive(what: path, message: TarReader.errorText(archive))
    }
}
