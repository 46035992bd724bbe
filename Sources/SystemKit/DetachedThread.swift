#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CShim

/// Starts plain POSIX threads, without Dispatch or Foundation, for the server's
/// accept loop and its connections.
public enum DetachedThread {
    final class Box {
        let name: String
        let body: @Sendable () -> Void

        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }

    /// Runs `body` on a new detached thread named `name` (at most 15 bytes show in
    /// `ps -L` and /proc/PID/task/TID/comm).
    public static func start(name: String, _ body: @escaping @Sendable () -> Void)
        throws(SystemError)
    {
        let box = Unmanaged.passRetained(Box(name: name, body: body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { argument in
            let box = Unmanaged<Box>.fromOpaque(argument!).takeRetainedValue()
            let name = Array(box.name.utf8.prefix(15)).map { CChar(bitPattern: $0) } + [0]
            name.withUnsafeBufferPointer { pointer in
                // 15 is PR_SET_NAME, which Glibc does not export to Swift.
                _ = cshim_prctl(15, UInt(bitPattern: pointer.baseAddress), 0, 0, 0)
            }
            box.body()
            return nil
        }, box)
        guard result == 0 else {
            Unmanaged<Box>.fromOpaque(box).release()
            throw SystemError(call: "pthread_create", errno: result)
        }
        pthread_detach(thread)
    }
}
