#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CShim
import SystemKit

/// Starting programs with posix_spawn and waiting for them, without Foundation.
public enum ChildProcess {
    /// Spawns `path` with `arguments` (the first is argv[0]) and the caller's environment.
    ///
    /// `descriptors[i]` becomes descriptor `i` of the child (nil leaves it closed); every
    /// other descriptor of the caller must be close-on-exec. The child starts with an
    /// empty signal mask and default signal dispositions.
    public static func spawn(
        _ path: String,
        _ arguments: [String],
        descriptors: [FileDescriptor?],
        newSession: Bool = false,
        directory: String? = nil
    ) throws(SystemError) -> pid_t {
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        defer {
            for pointer in argv {
                free(pointer)
            }
        }
        let sources = descriptors.map { $0?.rawValue ?? -1 }
        var pid: pid_t = 0
        let result = argv.withUnsafeBufferPointer { argvBuffer in
            sources.withUnsafeBufferPointer { sourceBuffer in
                cshim_spawn(path, argvBuffer.baseAddress, sourceBuffer.baseAddress,
                            Int32(sources.count), newSession ? 1 : 0, directory, &pid)
            }
        }
        guard result == 0 else {
            throw SystemError(call: "posix_spawn", path: path, errno: result)
        }
        return pid
    }

    /// Waits for the child `pid` and returns its wait status.
    public static func wait(_ pid: pid_t) throws(SystemError) -> Int32 {
        var status: Int32 = 0
        try Syscall.check("waitpid", path: String(pid)) { waitpid(pid, &status, 0) }
        return status
    }

    /// Opens /dev/null for reading and writing.
    public static func openNull() throws(SystemError) -> FileDescriptor {
        try FileDescriptor.open("/dev/null", O_RDWR)
    }

    /// The path of the running executable.
    public static func currentExecutable() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else {
            return nil
        }
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) },
                      as: UTF8.self)
    }
}
