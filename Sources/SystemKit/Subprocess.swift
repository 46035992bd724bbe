#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs another program to completion and collects what it printed, through
/// posix_spawn (safe in a multi-threaded process, unlike fork).
public enum Subprocess {
    public struct Result: Sendable {
        /// The exit code, or 128 + the signal that killed it.
        public var status: Int32
        public var output: [UInt8]
        public var error: [UInt8]
    }

    /// Runs `command` (the program path or name first, searched in PATH) with `input`
    /// on its standard input, and waits for it.
    public static func run(_ command: [String], input: [UInt8] = []) throws(SystemError) -> Result {
        precondition(!command.isEmpty, "Subprocess.run needs a program")
        let stdin = try FileDescriptor.pipe()
        let stdout = try FileDescriptor.pipe()
        let stderr = try FileDescriptor.pipe()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin.read.rawValue, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout.write.rawValue, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr.write.rawValue, 2)

        var pid: pid_t = 0
        let arguments = command.map { strdup($0) } + [nil]
        defer { arguments.forEach { free($0) } }
        let result = posix_spawnp(&pid, command[0], &actions, nil, arguments, environ)
        stdin.read.close()
        stdout.write.close()
        stderr.write.close()
        guard result == 0 else {
            stdin.write.close()
            stdout.read.close()
            stderr.read.close()
            throw SystemError(call: "posix_spawn", path: command[0], errno: result)
        }

        // Feed the input first (commands here take little), then drain both outputs.
        try? stdin.write.writeAll(input)
        stdin.write.close()
        var output: [UInt8] = []
        var error: [UInt8] = []
        var open = [stdout.read, stderr.read]
        var buffer = [UInt8](repeating: 0, count: 16384)
        while !open.isEmpty {
            var entries = open.map { pollfd(fd: $0.rawValue, events: Int16(POLLIN), revents: 0) }
            if poll(&entries, nfds_t(entries.count), -1) < 0 { continue }
            for (index, entry) in entries.enumerated().reversed() where entry.revents != 0 {
                let count = buffer.withUnsafeMutableBytes {
                    read(entry.fd, $0.baseAddress, $0.count)
                }
                if count > 0 {
                    if entry.fd == stdout.read.rawValue {
                        output += buffer[0..<count]
                    } else {
                        error += buffer[0..<count]
                    }
                } else if count == 0 || currentErrno() != EINTR {
                    open[index].close()
                    open.remove(at: index)
                }
            }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && currentErrno() == EINTR {}
        let signal = status & 0x7f
        let code = signal == 0 ? (status >> 8) & 0xff : 128 + signal
        return Result(status: code, output: output, error: error)
    }
}
