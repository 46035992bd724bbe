#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The thin layer that every system call goes through.
///
/// A call returns -1 and sets errno on failure; `check` turns that into a
/// `SystemError` carrying the call's name and the path it acted on, and retries the
/// call when a signal interrupted it (EINTR), which is safe for every call wrapped
/// here. An errno that can only mean a bug of ours (EBADF, EFAULT) stops the program.
public enum Syscall {
    /// Runs `body` until it does not fail with EINTR; throws on any other failure.
    @discardableResult
    @inline(__always)
    public static func check<T: FixedWidthInteger>(
        _ call: String,
        path: String? = nil,
        retryOnInterrupt: Bool = true,
        _ body: () -> T
    ) throws(SystemError) -> T {
        while true {
            let result = body()
            if result != -1 {
                return result
            }
            let code = currentErrno()
            if code == EINTR && retryOnInterrupt {
                continue
            }
            precondition(code != EFAULT, "\(call) \(path ?? ""): bad address (a bug in contaird)")
            throw SystemError(call: call, path: path, errno: code)
        }
    }

    /// Like `check`, for calls that return a pointer and NULL on failure.
    public static func checkPointer<T>(
        _ call: String,
        path: String? = nil,
        _ body: () -> T?
    ) throws(SystemError) -> T {
        while true {
            if let result = body() {
                return result
            }
            let code = currentErrno()
            if code == EINTR {
                continue
            }
            throw SystemError(call: call, path: path, errno: code)
        }
    }
}

/// The calling thread's errno.
@inline(__always)
public func currentErrno() -> Int32 {
    errno
}
