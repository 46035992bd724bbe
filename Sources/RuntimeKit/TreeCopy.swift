#if canImport(Glibc)
import Glibc
#endif
import SystemKit

/// Copies a directory's contents into another directory through descriptors only, as
/// `cp -a` would: directories, regular files, symlinks, device nodes, fifos and sockets
/// keep their mode, owner and times. A symlink is copied, never followed, so a tree
/// inside a container's rootfs cannot lead the copy out of it. Hard links become
/// separate files.
///
/// The mount option `tmpcopyup` uses it to fill a fresh tmpfs with what the directory
/// under it held.
enum TreeCopy {
    /// Copies everything in the directory `source` into the directory `destination`;
    /// `path` names `source` in errors (the path the container sees).
    static func copyContents(of source: Int32, into destination: Int32, path: String)
        throws(SystemError)
    {
        for name in try entries(of: source, path: path) {
            try copyEntry(name, from: source, into: destination, path: path + "/" + name)
        }
    }

    /// The names in directory `fd` but "." and "..", read from a duplicate so that
    /// `fd`'s own offset stays put.
    static func entries(of fd: Int32, path: String) throws(SystemError) -> [String] {
        let duplicate = try Syscall.check("fcntl", path: path) {
            fcntl(fd, F_DUPFD_CLOEXEC, 0)
        }
        guard let stream = fdopendir(duplicate) else {
            let code = currentErrno()
            close(duplicate)
            throw SystemError(call: "fdopendir", path: path, errno: code)
        }
        defer { closedir(stream) }
        rewinddir(stream)
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." {
                names.append(name)
            }
        }
        return names
    }

    static func copyEntry(_ name: String, from source: Int32, into destination: Int32,
                          path: String) throws(SystemError)
    {
        var status = stat()
        try Syscall.check("fstatat", path: path) {
            fstatat(source, name, &status, AT_SYMLINK_NOFOLLOW)
        }
        let permissions = status.st_mode & 0o7777

        switch status.st_mode & S_IFMT {
        case S_IFDIR:
            try Syscall.check("mkdirat", path: path) { mkdirat(destination, name, 0o700) }
            let from = try openEntry(name, in: source, O_RDONLY | O_DIRECTORY, path: path)
            defer { close(from) }
            let to = try openEntry(name, in: destination, O_RDONLY | O_DIRECTORY, path: path)
            defer { close(to) }
            try copyContents(of: from, into: to, path: path)
            try finish(to, like: status, path: path)
        case S_IFREG:
            let from = try openEntry(name, in: source, O_RDONLY, path: path)
            defer { close(from) }
            let to = try Syscall.check("openat", path: path) {
                openat(destination, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                       0o600)
            }
            defer { close(to) }
            try copyBytes(from: from, to: to, path: path)
            try finish(to, like: status, path: path)
        case S_IFLNK:
            let target = try linkTarget(name, in: source, path: path)
            try Syscall.check("symlinkat", path: path) { symlinkat(target, destination, name) }
            try finishEntry(name, in: destination, like: status, path: path)
        default:
            // A device node, fifo or socket: a new node of the same kind and number.
            try Syscall.check("mknodat", path: path) {
                mknodat(destination, name, status.st_mode & S_IFMT | permissions, status.st_rdev)
            }
            try finishEntry(name, in: destination, like: status, path: path)
        }
    }

    static func openEntry(_ name: String, in directory: Int32, _ flags: Int32, path: String)
        throws(SystemError) -> Int32
    {
        try Syscall.check("openat", path: path) {
            openat(directory, name, flags | O_NOFOLLOW | O_CLOEXEC)
        }
    }

    static func copyBytes(from source: Int32, to destination: Int32, path: String)
        throws(SystemError)
    {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = try Syscall.check("read", path: path) {
                buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            }
            if count == 0 {
                return
            }
            var written = 0
            while written < count {
                written += try Syscall.check("write", path: path) {
                    buffer.withUnsafeBytes {
                        write(destination, $0.baseAddress! + written, count - written)
                    }
                }
            }
        }
    }

    static func linkTarget(_ name: String, in directory: Int32, path: String)
        throws(SystemError) -> String
    {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = try Syscall.check("readlinkat", path: path) {
            readlinkat(directory, name, &buffer, Int(PATH_MAX))
        }
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Owner, then mode (a chown clears set-id bits), then times, of an open copy.
    static func finish(_ fd: Int32, like status: stat, path: String) throws(SystemError) {
        try Syscall.check("fchown", path: path) { fchown(fd, status.st_uid, status.st_gid) }
        try Syscall.check("fchmod", path: path) { fchmod(fd, status.st_mode & 0o7777) }
        var times = [status.st_atim, status.st_mtim]
        try Syscall.check("futimens", path: path) { futimens(fd, &times) }
    }

    /// Owner, mode and times of a copied symlink or node, by name: neither can be opened
    /// for them. A symlink has no mode of its own.
    static func finishEntry(_ name: String, in directory: Int32, like status: stat,
                            path: String) throws(SystemError)
    {
        try Syscall.check("fchownat", path: path) {
            fchownat(directory, name, status.st_uid, status.st_gid, AT_SYMLINK_NOFOLLOW)
        }
        if status.st_mode & S_IFMT != S_IFLNK {
            try Syscall.check("fchmodat", path: path) {
                fchmodat(directory, name, status.st_mode & 0o7777, 0)
            }
        }
        var times = [status.st_atim, status.st_mtim]
        try Syscall.check("utimensat", path: path) {
            utimensat(directory, name, &times, AT_SYMLINK_NOFOLLOW)
        }
    }
}
