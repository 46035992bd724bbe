#if canImport(Glibc)
import Glibc
#endif
import CRuntime
import SystemKit

/// Runs the OCI hooks of one kind: each hook is a child process with the container's
/// state on its stdin, its own process group, and `timeout` seconds to finish; its
/// stdout and stderr are kept for the error message.
///
/// Synchronous and single-threaded: it runs in `runcs create`, `start` and `delete`,
/// and in the container's init before pivot_root and before the final exec.
struct HookRunner {
    let kind: HookKind

    /// The most output of one stream kept for an error message.
    static let outputLimit = 4096

    /// Runs `hooks` in order, each fed `state`; the first failure throws.
    func run(_ hooks: [Spec.Hook], state: JSONValue) throws(RuntimeError) {
        guard !hooks.isEmpty else {
            return
        }
        let input = Array(state.serialized().utf8)
        for hook in hooks {
            try run(hook, input: input)
        }
    }

    /// Runs every hook of `hooks` whatever happens to the others, and returns the
    /// failures as warnings: what poststart and poststop failures are.
    func runAll(_ hooks: [Spec.Hook], state: JSONValue) -> [String] {
        let input = Array(state.serialized().utf8)
        var warnings: [String] = []
        for hook in hooks {
            do {
                try run(hook, input: input)
            } catch {
                warnings.append(error.message)
            }
        }
        return warnings
    }

    /// One hook: started, fed, watched until it exits or its time is up.
    func run(_ hook: Spec.Hook, input: [UInt8]) throws(RuntimeError) {
        let name = "\(kind.rawValue) hook \(hook.path)"
        let outcome: HookOutcome
        do {
            outcome = try execute(hook, input: input)
        } catch {
            throw RuntimeError(.internal, "\(name): \(error)")
        }
        switch outcome {
        case .exited(0, _, _):
            return
        case .exited(let status, let output, let errorOutput):
            var message = "error running hook: \(name) failed: \(Self.describe(status))"
            if !errorOutput.isEmpty {
                message += ", stderr: \(errorOutput)"
            }
            if !output.isEmpty {
                message += ", stdout: \(output)"
            }
            throw RuntimeError(.internal, message)
        case .timedOut(let seconds):
            throw RuntimeError(.internal, "\(name) timed out after \(seconds) seconds, killed")
        }
    }

    /// How a hook ended.
    enum HookOutcome {
        /// Its wait status, with what it wrote to stdout and stderr.
        case exited(Int32, String, String)
        case timedOut(Int)
    }

    /// Starts the hook and waits for it, reading its output meanwhile.
    func execute(_ hook: Spec.Hook, input: [UInt8]) throws(SystemError) -> HookOutcome {
        let stdin = try Self.pipe(holding: input)
        defer { close(stdin) }
        let output = try Self.pipe()
        defer { close(output.read) }
        let errorOutput = try Self.pipe()
        defer { close(errorOutput.read) }

        // A SIGCHLD ignored by whoever started us would reap the hook before we could
        // read its status. The default action is set only then: setting it discards a
        // pending SIGCHLD, which `run` waits for (the container's, through a signalfd).
        var previous = sigaction()
        sigaction(SIGCHLD, nil, &previous)
        let wasIgnored = previous.__sigaction_handler.sa_handler.map {
            unsafeBitCast($0, to: Int.self)
        } == unsafeBitCast(SIG_IGN, to: Int.self)
        if wasIgnored {
            signal(SIGCHLD, SIG_DFL)
        }
        defer { if wasIgnored { signal(SIGCHLD, SIG_IGN) } }

        let arguments = (hook.args ?? []).isEmpty ? [hook.path] : hook.args ?? []
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = (hook.env ?? []).map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        let pid = cruntime_spawn_hook(hook.path, argv, envp, stdin, output.write,
                                      errorOutput.write)
        let spawnErrno = errno
        close(output.write)
        close(errorOutput.write)
        guard pid > 0 else {
            throw SystemError(call: "execve", path: hook.path, errno: spawnErrno)
        }

        var streams = [OutputStream(fd: output.read), OutputStream(fd: errorOutput.read)]
        let status = wait(for: pid, timeout: hook.timeout, reading: &streams)
        // What is left once the hook has exited; a child of the hook that still holds
        // a pipe open is not waited for.
        for index in streams.indices {
            streams[index].readAvailable()
        }
        guard let status else {
            return .timedOut(hook.timeout ?? 0)
        }
        return .exited(status, streams[0].text, streams[1].text)
    }

    /// Waits for `pid` to exit, reading `streams` as they fill; nil when `timeout`
    /// seconds passed first, in which case its whole process group is killed and reaped.
    func wait(for pid: pid_t, timeout: Int?, reading streams: inout [OutputStream])
        -> Int32?
    {
        let deadline = timeout.map { Runtime.monotonicMilliseconds() + Int64($0) * 1000 }
        // Readable once the hook has exited; without pidfds, poll every 10 ms.
        let exitFD = cruntime_pidfd_open(pid)
        defer { if exitFD >= 0 { close(exitFD) } }
        while true {
            if let status = Self.reap(pid) {
                return status
            }
            var waitMilliseconds: Int64 = exitFD >= 0 ? -1 : 10
            if let deadline {
                let left = max(0, deadline - Runtime.monotonicMilliseconds())
                if left == 0 {
                    kill(-pid, SIGKILL)
                    kill(pid, SIGKILL)
                    _ = HostProcess.waitForChild(pid)
                    return nil
                }
                waitMilliseconds = waitMilliseconds < 0 ? left : min(left, waitMilliseconds)
            }
            var pollers = [pollfd(fd: exitFD, events: Int16(POLLIN), revents: 0)]
            pollers += streams.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            _ = poll(&pollers, nfds_t(pollers.count), Int32(waitMilliseconds))
            for index in streams.indices where pollers[index + 1].revents != 0 {
                streams[index].readAvailable()
            }
        }
    }

    /// The wait status of our child `pid` if it has exited.
    static func reap(_ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        var result: pid_t
        repeat {
            result = waitpid(pid, &status, WNOHANG)
        } while result < 0 && errno == EINTR
        if result == pid {
            return status
        }
        // Not our child any more: its status is lost, which reads as exit status 255.
        return result < 0 ? 0xff00 : nil
    }

    /// "exit status 3" or "killed by signal 31 (bad system call)".
    static func describe(_ status: Int32) -> String {
        let signal = status & 0x7f
        guard signal != 0 else {
            return "exit status \((status >> 8) & 0xff)"
        }
        let name = strsignal(signal).map { String(cString: $0).lowercased() } ?? "unknown"
        return "killed by signal \(signal) (\(name))"
    }

    /// A close-on-exec pipe.
    static func pipe() throws(SystemError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        try Syscall.check("pipe2") { cruntime_pipe(&fds) }
        return (fds[0], fds[1])
    }

    /// The read end of a pipe that already holds `bytes` and is closed for writing, so
    /// that a hook which never reads its stdin cannot block or signal us.
    static func pipe(holding bytes: [UInt8]) throws(SystemError) -> Int32 {
        let ends = try pipe()
        defer { close(ends.write) }
        if bytes.count > 65536 {
            try Syscall.check("fcntl(F_SETPIPE_SZ)", path: "hook stdin") {
                cruntime_set_pipe_size(ends.write, Int32(bytes.count))
            }
        }
        do {
            try FileDescriptor(rawValue: ends.write).writeAll(bytes)
        } catch {
            close(ends.read)
            throw error
        }
        return ends.read
    }
}

/// One output pipe of a hook, read without blocking, kept up to `HookRunner.outputLimit`.
struct OutputStream {
    /// The read end; -1 once it reached end of file (poll skips negative fds).
    var fd: Int32
    var bytes: [UInt8] = []

    init(fd: Int32) {
        self.fd = fd
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    /// Reads what the pipe holds now.
    mutating func readAvailable() {
        guard fd >= 0 else {
            return
        }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let got = read(fd, &buffer, buffer.count)
            if got > 0 {
                let room = max(0, HookRunner.outputLimit - bytes.count)
                bytes += buffer[..<min(got, room)]
                continue
            }
            if got < 0 && errno == EINTR {
                continue
            }
            if got == 0 {
                fd = -1
            }
            return
        }
    }

    /// The output as text, without trailing newlines.
    var text: String {
        var end = bytes.endIndex
        while end > bytes.startIndex && (bytes[end - 1] == 0x0a || bytes[end - 1] == 0x20) {
            end -= 1
        }
        return String(decoding: bytes[..<end], as: UTF8.self)
    }
}
