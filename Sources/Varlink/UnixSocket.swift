#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CShim
import SystemKit

/// The few Unix stream socket calls the varlink layer makes, each through `Syscall`.
enum UnixSocket {
    /// A new close-on-exec Unix stream socket.
    static func make() throws(SystemError) -> FileDescriptor {
        let kind = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        return FileDescriptor(rawValue: try Syscall.check("socket") { socket(AF_UNIX, kind, 0) })
    }

    /// A socket connected to `path`.
    static func connect(to path: String) throws(SystemError) -> FileDescriptor {
        let fd = try make()
        do {
            try Syscall.check("connect", path: path) { cshim_unix_connect(fd.rawValue, path) }
        } catch {
            fd.close()
            throw error
        }
        return fd
    }

    /// A listening socket at `path` with the file mode `mode` and, when given, the group
    /// `group`. The socket is bound under a temporary name beside `path`, given its mode
    /// and group, and renamed into place, so that no client ever sees it with looser
    /// permissions. A stale socket at `path` (nobody accepts on it) is replaced; a live
    /// one is an error (EADDRINUSE), and so is anything that is not a socket (EEXIST).
    static func listen(at path: String, mode: mode_t, group: gid_t?, backlog: Int32)
        throws(SystemError) -> FileDescriptor
    {
        try refuseLiveSocket(at: path)
        let fd = try make()
        let temporary = "\(path).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        do {
            try Syscall.check("bind", path: temporary) { cshim_unix_bind(fd.rawValue, temporary) }
            defer { unlink(temporary) }
            try Syscall.check("chmod", path: temporary) { chmod(temporary, mode) }
            if let group {
                try Syscall.check("chown", path: temporary) { chown(temporary, uid_t.max, group) }
            }
            try Syscall.check("listen", path: path) { Glibc.listen(fd.rawValue, backlog) }
            try Syscall.check("rename", path: path) { rename(temporary, path) }
        } catch {
            fd.close()
            throw error
        }
        return fd
    }

    static func refuseLiveSocket(at path: String) throws(SystemError) {
        var status = stat()
        guard lstat(path, &status) == 0 else {
            return
        }
        guard (status.st_mode & S_IFMT) == S_IFSOCK else {
            throw SystemError(call: "bind", path: path, errno: EEXIST)
        }
        if let probe = try? connect(to: path) {
            probe.close()
            throw SystemError(call: "bind", path: path, errno: EADDRINUSE)
        }
    }

    /// Sends all of `bytes`, without SIGPIPE when the peer is gone (EPIPE instead).
    static func sendAll(_ fd: FileDescriptor, _ bytes: [UInt8]) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            let sent = try Syscall.check("send") {
                bytes.withUnsafeBytes { raw in
                    send(fd.rawValue, raw.baseAddress! + offset, raw.count - offset,
                         Int32(MSG_NOSIGNAL))
                }
            }
            offset += sent
        }
    }
}
