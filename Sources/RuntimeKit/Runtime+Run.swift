#if canImport(Glibc)
import Glibc
#endif
import CRuntime
import CShim
import SystemKit

extension Runtime {
    /// `runcs run`: create and start; unless `detach`, also wait for the container's
    /// process, forwarding our signals to it, delete it, and return its exit status.
    /// A terminal without a console socket is relayed to our own stdio.
    public func run(_ id: String, options: CreateOptions, detach: Bool)
        throws(RuntimeError) -> Int32
    {
        if detach {
            _ = try create(id, options: options)
            try start(id)
            return 0
        }

        var options = options
        let spec = try Self.loadSpec("\(Self.absolute(options.bundle))/config.json")
        options.spec = spec
        var relayEnd: Int32?
        if options.consoleSocket == nil, spec.process?.terminal == true {
            var pair: [Int32] = [-1, -1]
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
                             0, &pair) == 0 else {
                throw RuntimeError(.internal, "\(SystemError(call: "socketpair", errno: errno))")
            }
            options.consoleDescriptor = pair[1]
            relayEnd = pair[0]
        }
        defer {
            if let relayEnd { close(relayEnd) }
            if let other = options.consoleDescriptor { close(other) }
        }

        // Block the signals we forward before the clone; the init unblocks its own.
        let signals = cruntime_forwarding_signalfd()
        defer {
            close(signals)
            cruntime_unblock_forwarded_signals()
        }
        let created: Created
        do {
            created = try create(id, options: options)
        } catch {
            throw error
        }
        var master: Int32 = -1
        if let relayEnd {
            var tag = [UInt8](repeating: 0, count: 64)
            _ = tag.withUnsafeMutableBytes { cshim_recv_fd(relayEnd, &master, $0.baseAddress, 64) }
        }
        defer { if master >= 0 { close(master) } }

        do {
            try start(id)
        } catch {
            try? delete(id, force: true)
            throw error
        }
        let status: Int32
        if master >= 0 {
            status = TerminalRelay(master: master, signals: signals, pid: created.pid).run()
        } else {
            status = Self.waitForwardingSignals(signals, pid: created.pid)
        }
        try delete(id, force: true)
        return status
    }

    /// Waits for our child `pid`, passing every signal we get on to it.
    static func waitForwardingSignals(_ signals: Int32, pid: Int32) -> Int32 {
        while true {
            var sender: pid_t = 0
            let signal = cruntime_read_signal(signals, &sender)
            if signal < 0 {
                return HostProcess.waitForChild(pid)
            }
            if signal == SIGCHLD {
                if let status = reap(pid) {
                    return status
                }
                continue
            }
            Glibc.kill(pid, signal)
        }
    }

    /// Reaps `pid` if it has exited: its shell-style exit status, or nil if it runs.
    static func reap(_ pid: Int32) -> Int32? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid {
            return HostProcess.exitCode(fromWaitStatus: status)
        }
        return result < 0 && errno == ECHILD ? 255 : nil
    }
}
