#if canImport(Glibc)
import CShim
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An open file descriptor. A value type: whoever owns it closes it, exactly once.
public struct FileDescriptor: RawRepresentable, Hashable, Sendable {
    public let rawValue: Int32

    public init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    public static let standardInput = FileDescriptor(rawValue: 0)
    public static let standardOutput = FileDescriptor(rawValue: 1)
    public static let standardError = FileDescriptor(rawValue: 2)

    /// Opens `path` (relative to `directory` when given) with O_CLOEXEC added.
    public static func open(
        _ path: String,
        _ flags: Int32,
        mode: mode_t = 0o644,
        relativeTo directory: FileDescriptor? = nil
    ) throws(SystemError) -> FileDescriptor {
        let base = directory?.rawValue ?? AT_FDCWD
        let fd = try Syscall.check("open", path: path) {
            openat(base, path, flags | O_CLOEXEC, mode)
        }
        return FileDescriptor(rawValue: fd)
    }

    /// Closes the descriptor. EINTR is not retried: on Linux the descriptor is gone.
    public func close() {
        _ = Glibc.close(rawValue)
    }

    /// Reads at most `count` bytes; an empty array means end of file.
    public func read(upTo count: Int) throws(SystemError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        let got = try Syscall.check("read") {
            buffer.withUnsafeMutableBytes { Glibc.read(rawValue, $0.baseAddress, count) }
        }
        buffer.removeSubrange(got...)
        return buffer
    }

    /// Reads until end of file.
    public func readToEnd() throws(SystemError) -> [UInt8] {
        var result: [UInt8] = []
        while true {
            let chunk = try read(upTo: 65536)
            if chunk.isEmpty {
                return result
            }
            result.append(contentsOf: chunk)
        }
    }

    /// Writes all of `bytes`, looping over short writes.
    public func writeAll<Bytes: Collection>(_ bytes: Bytes) throws(SystemError)
    where Bytes.Element == UInt8 {
        let array = Array(bytes)
        var offset = 0
        while offset < array.count {
            let wrote = try Syscall.check("write") {
                array.withUnsafeBytes {
                    Glibc.write(rawValue, $0.baseAddress! + offset, array.count - offset)
                }
            }
            offset += wrote
        }
    }

    /// Writes the UTF-8 bytes of `text`.
    public func writeAll(_ text: String) throws(SystemError) {
        try writeAll(Array(text.utf8))
    }

    /// Flushes the file's data and metadata to disk.
    public func sync() throws(SystemError) {
        try Syscall.check("fsync") { fsync(rawValue) }
    }

    /// Sets or clears FD_CLOEXEC.
    public func setCloseOnExec(_ on: Bool) throws(SystemError) {
        let flags = try Syscall.check("fcntl") { cshimFcntl(rawValue, F_GETFD, 0) }
        let wanted = on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC
        try Syscall.check("fcntl") { cshimFcntl(rawValue, F_SETFD, wanted) }
    }

    /// Duplicates the descriptor onto `target`, without FD_CLOEXEC.
    public func duplicate(as target: Int32) throws(SystemError) -> FileDescriptor {
        try Syscall.check("dup2") { dup2(rawValue, target) }
        return FileDescriptor(rawValue: target)
    }

    /// Creates a pipe whose ends are both close-on-exec.
    public static func pipe() throws(SystemError) -> (read: FileDescriptor, write: FileDescriptor) {
        var fds: [Int32] = [-1, -1]
        try Syscall.check("pipe2") { cshim_pipe_cloexec(&fds) }
        return (FileDescriptor(rawValue: fds[0]), FileDescriptor(rawValue: fds[1]))
    }
}

@inline(__always)
func cshimFcntl(_ fd: Int32, _ command: Int32, _ argument: Int32) -> Int32 {
    cshim_fcntl_int(fd, command, argument)
}
