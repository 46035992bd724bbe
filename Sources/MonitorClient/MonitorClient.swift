#if canImport(Glibc)
import JSON
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CShim
import SystemKit

/// What the daemon uses to start monitors and to find them again after a restart.
///
/// Every function is synchronous and safe to call from any thread: each opens its own
/// descriptors and shares no state.
public enum MonitorClient {
    /// Starts a monitor for `spec` and returns once the runtime has created the
    /// container (the handle holds its init pid) or failed to; a failure throws
    /// `MonitorError.createFailed` carrying the runtime's own error text.
    ///
    /// The monitor runs in a session of its own and is not a child of the caller, so it
    /// outlives the caller, even a `kill -9` of it.
    public static func launch(_ spec: MonitorSpec) throws(MonitorError) -> MonitorHandle {
        guard MonitorFiles.isValidIdentifier(spec.id) else {
            throw .invalidArgument("invalid container id \"\(spec.id)\"")
        }
        guard let monitorPath = spec.monitorPath ?? defaultMonitorPath() else {
            throw .invalidArgument("cannot find contaird-monitor beside the running program")
        }
        var spec = spec
        spec.bundle = MonitorFiles.absolute(spec.bundle)
        spec.stateDirectory = MonitorFiles.absolute(spec.stateDirectory)
        spec.runtimeRoot = spec.runtimeRoot.map(MonitorFiles.absolute)
        spec.logPath = spec.logPath.map(MonitorFiles.absolute)

        let ready: (read: FileDescriptor, write: FileDescriptor)
        let null: FileDescriptor
        do {
            try FileSystem.createDirectory(spec.stateDirectory, mode: 0o700)
            ready = try FileDescriptor.pipe()
            null = try ChildProcess.openNull()
        } catch {
            throw .system(error)
        }
        defer {
            ready.read.close()
            null.close()
        }

        // The monitor forks once more and its first process exits at once: reap that one.
        let firstPid: pid_t
        do {
            firstPid = try ChildProcess.spawn(
                monitorPath, ["contaird-monitor"] + spec.arguments(readyDescriptor: 3),
                descriptors: [null, null, null, ready.write], newSession: true)
        } catch {
            ready.write.close()
            throw .system(error)
        }
        ready.write.close()
        var status: Int32 = 0
        while waitpid(firstPid, &status, 0) < 0 && currentErrno() == EINTR {}

        let reply = try readReady(ready.read, spec: spec)
        if reply["ok"]?.boolValue == true, let pid = reply["pid"]?.intValue {
            return MonitorHandle(stateDirectory: spec.stateDirectory,
                                 pid: Int32(truncatingIfNeeded: pid))
        }
        throw .createFailed(id: spec.id, message: reply["error"]?.stringValue ?? reply.jsonText)
    }

    /// The monitor's report on its ready pipe: one JSON line.
    static func readReady(_ fd: FileDescriptor, spec: MonitorSpec)
        throws(MonitorError) -> JSONValue
    {
        var entry = pollfd(fd: fd.rawValue, events: Int16(POLLIN), revents: 0)
        let deadline = Int32(clamping: spec.launchTimeout * 1000)
        var ready: Int32
        repeat {
            ready = poll(&entry, 1, deadline)
        } while ready < 0 && currentErrno() == EINTR
        guard ready > 0 else {
            throw .monitorFailed(id: spec.id, reason: "no answer within \(spec.launchTimeout) s")
        }
        guard let line = try MonitorProtocol.readLine(fd) else {
            throw .monitorFailed(id: spec.id, reason: "exited before reporting; see "
                                 + spec.stateDirectory + "/" + MonitorFiles.monitorLog)
        }
        do {
            return try JSONParser.parse(line)
        } catch {
            throw .protocolViolation("ready report: \(error)")
        }
    }

    /// A handle on the monitor running in `stateDirectory`, found again after a daemon
    /// restart; throws `notRunning` when no monitor answers there.
    public static func connect(_ stateDirectory: String) throws(MonitorError) -> MonitorHandle {
        let status = try MonitorHandle(stateDirectory: stateDirectory, pid: 0).status()
        return MonitorHandle(stateDirectory: stateDirectory, pid: status.pid)
    }

    /// How the container's init ended, read from the durable record; works whether or not
    /// a monitor is alive. Nil while the init has not exited (or was never created).
    public static func readExit(_ stateDirectory: String) throws(MonitorError) -> ExitRecord? {
        try ExitRecord.read(stateDirectory + "/" + MonitorFiles.exit)
    }

    /// How the exec'd process `id` ended, read from its durable record.
    public static func readExecExit(_ stateDirectory: String, exec id: String)
        throws(MonitorError) -> ExitRecord?
    {
        try ExitRecord.read(stateDirectory + "/" + MonitorFiles.execExit(id))
    }

    /// Whether a monitor answers on the state directory's socket.
    public static func isAlive(_ stateDirectory: String) -> Bool {
        guard let socket = try? UnixSocket.connect(stateDirectory + "/" + MonitorFiles.socket)
        else {
            return false
        }
        socket.close()
        return true
    }

    /// Blocks until the monitor in `stateDirectory` has exited, at most
    /// `timeoutMilliseconds`; returns whether it is gone. Waits on a pidfd of the pid in
    /// `monitor.pid`, so the wake-up comes with the exit itself, not with a poll.
    public static func waitUntilGone(_ stateDirectory: String, timeoutMilliseconds: Int32)
        -> Bool
    {
        let pidText = try? FileSystem.readText(stateDirectory + "/" + MonitorFiles.monitorPid)
        let pid = pidText.flatMap { Int32($0.filter { $0 != "\n" && $0 != " " }) } ?? 0
        let pidfd = pid > 0 ? cshim_pidfd_open(pid) : -1
        guard pidfd >= 0 else {
            // No pid file (the monitor removes it as it leaves), or no such process.
            return pollUntilGone(stateDirectory, timeoutMilliseconds: timeoutMilliseconds)
        }
        defer { _ = close(pidfd) }
        // The pid may have been reused since the file was written: only a monitor that
        // still answers now is known to be the process the descriptor refers to.
        guard isAlive(stateDirectory) else {
            return true
        }
        var entry = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
        var ready: Int32
        repeat {
            ready = poll(&entry, 1, timeoutMilliseconds)
        } while ready < 0 && currentErrno() == EINTR
        return ready > 0
    }

    /// `waitUntilGone` without a pidfd (a kernel before 5.3, or a pid file not written):
    /// asks the socket every 2 ms.
    static func pollUntilGone(_ stateDirectory: String, timeoutMilliseconds: Int32) -> Bool {
        var waited: Int32 = 0
        while isAlive(stateDirectory) {
            guard waited < timeoutMilliseconds else {
                return false
            }
            usleep(2_000)
            waited += 2
        }
        return true
    }

    /// `contaird-monitor` beside the running executable.
    static func defaultMonitorPath() -> String? {
        guard let executable = ChildProcess.currentExecutable() else {
            return nil
        }
        let path = FileSystem.parent(of: executable) + "/contaird-monitor"
        return access(path, X_OK) == 0 ? path : nil
    }
}
