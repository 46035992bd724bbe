#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CShim
import SystemKit

/// Unix stream sockets by path, for the monitor's control socket.
public enum UnixSocket {
    /// The longest path that fits in `sockaddr_un`.
    static let maximumPathLength = 107

    /// Connects to the socket at `path`. A path too long for `sockaddr_un` is reached
    /// through its directory's descriptor under /proc/self/fd.
    public static func connect(_ path: String) throws(SystemError) -> FileDescriptor {
        if path.utf8.count <= maximumPathLength {
            return try connectShort(path, naming: path)
        }
        let directory = try FileDescriptor.open(FileSystem.parent(of: path),
                                                O_RDONLY | O_DIRECTORY)
        defer { directory.close() }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return try connectShort("/proc/self/fd/\(directory.rawValue)/\(name)", naming: path)
    }

    static func connectShort(_ address: String, naming path: String)
        throws(SystemError) -> FileDescriptor
    {
        let fd = try Syscall.check("socket", path: path) {
            socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        }
        var storage = try socketAddress(address, naming: path)
        let length = socklen_t(MemoryLayout<sockaddr_un>.size)
        do {
            try Syscall.check("connect", path: path) {
                withUnsafePointer(to: &storage) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        Glibc.connect(fd, $0, length)
                    }
                }
            }
        } catch {
            _ = Glibc.close(fd)
            throw error
        }
        return FileDescriptor(rawValue: fd)
    }

    /// Binds a listening socket at `path` (relative to the working directory when it
    /// does not start with `/`), replacing a stale socket file left there.
    public static func listen(_ path: String, backlog: Int32 = 64)
        throws(SystemError) -> FileDescriptor
    {
        var storage = try socketAddress(path, naming: path)
        let fd = try Syscall.check("socket", path: path) {
            socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        }
        let socketFile = FileDescriptor(rawValue: fd)
        unlink(path)
        let length = socklen_t(MemoryLayout<sockaddr_un>.size)
        do {
            try Syscall.check("bind", path: path) {
                withUnsafePointer(to: &storage) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        bind(fd, $0, length)
                    }
                }
            }
            try Syscall.check("listen", path: path) { Glibc.listen(fd, backlog) }
        } catch {
            socketFile.close()
            throw error
        }
        return socketFile
    }

    static func socketAddress(_ address: String, naming path: String)
        throws(SystemError) -> sockaddr_un
    {
        var storage = sockaddr_un()
        storage.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(address.utf8)
        guard bytes.count <= maximumPathLength else {
            throw SystemError(call: "bind", path: path, errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &storage.sun_path) { raw in
            for (index, byte) in bytes.enumerated() {
                raw[index] = byte
            }
        }
        return storage
    }
}
