#if canImport(Glibc)
import JSON
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CShim
import MonitorClient
import SystemKit

extension Monitor {
    /// The whole life of a monitor process, from its command line to its exit.
    ///
    ///     launcher            monitor (first)     middle              monitor
    ///     spawn ------------> fork -------------> setsid, fork -----> subreaper
    ///     waitpid <---------- waitpid <---------- exit                listen, create
    ///     read ready fd <------------------------------------------- {"ok":..} or error
    ///                                                                 serve, record, exit
    static func main(_ arguments: [String]) -> Never {
        let readyDescriptor = readyDescriptorArgument(arguments)
        var options: MonitorOptions
        do {
            options = try MonitorOptions.parse(arguments)
        } catch {
            report(readyDescriptor, [("ok", .bool(false)), ("error", .string("\(error)"))])
            writeStandardError("contaird-monitor: \(error)\n\(MonitorOptions.usage)\n")
            exit(2)
        }
        options.bundle = MonitorFiles.absolute(options.bundle)
        options.stateDirectory = MonitorFiles.absolute(options.stateDirectory)
        options.runtimeRoot = options.runtimeRoot.map(MonitorFiles.absolute)
        options.logPath = MonitorFiles.absolute(options.logPath ?? options.stateDirectory + "/"
                                   + MonitorFiles.containerLog)

        do {
            try FileSystem.createDirectory(options.stateDirectory, mode: 0o700)
            try Syscall.check("chdir", path: options.stateDirectory) {
                chdir(options.stateDirectory)
            }
        } catch {
            fail(options, "\(error)")
        }
        detach()

        // Stdio becomes /dev/null below: a ready descriptor among 0...2 moves out of the way.
        if let ready = options.readyDescriptor, ready <= 2 {
            let moved = cshim_dup_cloexec(ready, 3)
            options.readyDescriptor = moved >= 0 ? moved : nil
        }

        let monitor: Monitor
        do {
            monitor = try prepare(options)
        } catch {
            fail(options, "\(error)")
        }
        do {
            try monitor.createContainer()
        } catch {
            monitor.cleanUp(removeContainer: false)
            fail(options, "\(error)")
        }
        report(options.readyDescriptor, [("ok", .bool(true)),
                                         ("pid", .int(Int64(monitor.container.pid)))])
        if let ready = options.readyDescriptor {
            _ = close(ready)
        }
        Logger.shared.info("container created", ["id": options.id, "pid": monitor.container.pid])

        monitor.serve()
        monitor.cleanUp(removeContainer: options.removeOnExit)
        exit(0)
    }

    /// Leaves the launcher's process tree and session: the first process waits for a
    /// middle one that starts a new session and forks the monitor proper, so that the
    /// monitor is nobody's child, leads no session, and no zombie is left behind.
    static func detach() {
        let middle = fork()
        if middle < 0 {
            exit(1)
        }
        if middle > 0 {
            var status: Int32 = 0
            while waitpid(middle, &status, 0) < 0 && currentErrno() == EINTR {}
            exit(0)
        }
        _ = setsid()
        let monitor = fork()
        if monitor != 0 {
            _exit(monitor < 0 ? 1 : 0)
        }
    }

    /// Becomes the subreaper of the container, points stdin and stdout at /dev/null and
    /// stderr and the log at `monitor.log` (so that a crash report lands there too), and
    /// opens the control socket and the container log.
    static func prepare(_ options: MonitorOptions) throws -> Monitor {
        try Syscall.check("prctl PR_SET_CHILD_SUBREAPER") { cshim_set_child_subreaper() }
        let null = try ChildProcess.openNull()
        _ = try null.duplicate(as: 0)
        _ = try null.duplicate(as: 1)
        null.close()
        let log = try FileDescriptor.open(MonitorFiles.monitorLog,
                                          O_WRONLY | O_CREAT | O_APPEND, mode: 0o600)
        _ = try log.duplicate(as: 2)
        log.close()
        Logger.shared.configure(level: Logger.Level(name: options.logLevel) ?? .warning,
                                output: .standardError)

        cshim_ignore_sigpipe()
        let signals = try Syscall.check("signalfd") { cshim_signal_descriptor() }
        let monitor = Monitor(options: options, signals: FileDescriptor(rawValue: signals))
        unlink(MonitorFiles.exit)
        try FileSystem.writeAtomically(MonitorFiles.monitorPid, text: "\(monitor.monitorPid)\n",
                                       durable: false)
        monitor.listener = try UnixSocket.listen(MonitorFiles.socket)
        try monitor.setNonBlocking(monitor.listener!)
        monitor.container.log = try LogWriter(path: options.logPath!)
        return monitor
    }

    /// Removes the socket and pid file, and the container from the runtime when asked.
    func cleanUp(removeContainer: Bool) {
        unlink(MonitorFiles.socket)
        listener?.close()
        listener = nil
        if removeContainer {
            deleteContainer()
        }
        unlink(MonitorFiles.monitorPid)
    }

    static func fail(_ options: MonitorOptions, _ message: String) -> Never {
        Logger.shared.error("monitor failed", ["id": options.id, "error": message])
        report(options.readyDescriptor, [("ok", .bool(false)), ("error", .string(message))])
        exit(1)
    }

    /// Writes one JSON line to the launcher's ready descriptor, if there is one.
    static func report(_ descriptor: Int32?, _ members: [(String, JSONValue)]) {
        guard let descriptor else {
            return
        }
        let line = JSONValue.object(JSONObject(members)).jsonText + "\n"
        try? FileDescriptor(rawValue: descriptor).writeAll(line)
    }

    static func readyDescriptorArgument(_ arguments: [String]) -> Int32? {
        guard let index = arguments.firstIndex(of: "--ready-fd"), index + 1 < arguments.count
        else {
            return nil
        }
        return Int32(arguments[index + 1])
    }

    static func writeStandardError(_ text: String) {
        try? FileDescriptor.standardError.writeAll(text)
    }
}
