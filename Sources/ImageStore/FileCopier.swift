#if canImport(Glibc)
import Glibc
#endif
import CShim
import SystemKit

/// Copies files between directories opened by descriptor, keeping type, content, owner,
/// mode, extended attributes and times. Used to copy a lower file up into a layer and
/// by the copying snapshotter.
enum FileCopier {
    /// Copies the non-directory `name` of `source` to `targetName` in `target` (which
    /// must not exist there). `path` names the file in errors.
    static func copyEntry(from source: Int32, _ name: String, to target: Int32,
                          _ targetName: String, path: String) throws(SystemError)
    {
        var status = stat()
        try Syscall.check("fstatat", path: path) {
            fstatat(source, name, &status, AT_SYMLINK_NOFOLLOW)
        }
        var times = [status.st_atim, status.st_mtim]
        switch status.st_mode & S_IFMT {
        case S_IFREG:
            let input = try Syscall.check("openat", path: path) {
                openat(source, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
            }
            defer { close(input) }
            let output = try Syscall.check("openat", path: path) {
                openat(target, targetName, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                       0o600)
            }
            defer { close(output) }
            try copyContent(input, output, size: Int(status.st_size), path: path)
            try Syscall.check("fchown", path: path) {
                fchown(output, status.st_uid, status.st_gid)
            }
            try Syscall.check("fchmod", path: path) { fchmod(output, status.st_mode & 0o7777) }
            try copyAttributes(input, output, path: path)
            try Syscall.check("futimens", path: path) { futimens(output, &times) }
            return
        case S_IFLNK:
            guard let link = LayerTree.readLink(source, name) else {
                throw SystemError(call: "readlinkat", path: path, errno: errno)
            }
            try Syscall.check("symlinkat", path: path) { symlinkat(link, target, targetName) }
        default:
            try Syscall.check("mknodat", path: path) {
                mknodat(target, targetName, status.st_mode, status.st_rdev)
            }
            try Syscall.check("fchmodat", path: path) {
                fchmodat(target, targetName, status.st_mode & 0o7777, 0)
            }
        }
        try Syscall.check("fchownat", path: path) {
            fchownat(target, targetName, status.st_uid, status.st_gid, AT_SYMLINK_NOFOLLOW)
        }
        try Syscall.check("utimensat", path: path) {
            utimensat(target, targetName, &times, AT_SYMLINK_NOFOLLOW)
        }
    }

    /// Copies `size` bytes in the kernel, keeping holes where the source has them.
    static func copyContent(_ input: Int32, _ output: Int32, size: Int, path: String)
        throws(SystemError)
    {
        var offset = 0
        while offset < size {
            var dataStart = lseek(input, off_t(offset), CSHIM_SEEK_DATA)
            if dataStart < 0 {
                if errno == ENXIO { break }
                dataStart = off_t(offset)
            }
            var holeStart = lseek(input, dataStart, CSHIM_SEEK_HOLE)
            if holeStart < 0 { holeStart = off_t(size) }
            var readFrom = Int64(dataStart)
            var writeTo = Int64(dataStart)
            var remaining = Int(holeStart - dataStart)
            while remaining > 0 {
                let copied = try Syscall.check("copy_file_range", path: path) {
                    cshim_copy_file_range(input, &readFrom, output, &writeTo, remaining)
                }
                if copied == 0 { break }
                remaining -= copied
            }
            offset = Int(holeStart)
        }
        try Syscall.check("ftruncate", path: path) { ftruncate(output, off_t(size)) }
    }

    /// Copies every extended attribute of `input` to `output`.
    static func copyAttributes(_ input: Int32, _ output: Int32, path: String)
        throws(SystemError)
    {
        let length = flistxattr(input, nil, 0)
        guard length > 0 else { return }
        var names = [CChar](repeating: 0, count: length)
        let got = flistxattr(input, &names, length)
        guard got > 0 else { return }
        for name in names[0..<got].split(separator: 0) {
            let key = String(decoding: name.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let size = fgetxattr(input, key, nil, 0)
            guard size >= 0 else { continue }
            var value = [UInt8](repeating: 0, count: size)
            _ = fgetxattr(input, key, &value, size)
            try Syscall.check("fsetxattr", path: path) {
                fsetxattr(output, key, value, size, 0)
            }
        }
    }
}
