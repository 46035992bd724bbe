#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A failed system call: which call, on which path, and the errno it returned.
///
/// Every syscall the project makes goes through `Syscall` (see `Syscall.swift`), which
/// throws this error so that users read `mount /x/rootfs/proc: Permission denied`
/// instead of a bare number.
public struct SystemError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The name of the call that failed, such as `openat` or `mount`.
    public let call: String
    /// The path (or other object) the call acted on, when there is one.
    public let path: String?
    /// The errno value.
    public let errno: Int32

    public init(call: String, path: String? = nil, errno: Int32) {
        self.call = call
        self.path = path
        self.errno = errno
    }

    /// The system's text for the errno, such as "No such file or directory".
    public var reason: String {
        String(cString: strerror(errno))
    }

    public var description: String {
        if let path {
            return "\(call) \(path): \(reason)"
        }
        return "\(call): \(reason)"
    }
}
