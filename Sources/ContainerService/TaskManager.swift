#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import MonitorClient
import Synchronization
import SystemKit

/// The running side of containers: one monitor per task, which runs the OCI runtime,
/// holds the terminal or pipes, logs the output and records the exit durably in the
/// task's directory (`<state>/containers/<id>/monitor`). The daemon keeps no state of
/// its own about a task that the files there do not also hold, so a restarted daemon
/// finds every task again (`recover`).
///
/// Thread-safe: calls on one container are serialized by a per-container lock taken by
/// the caller (`Daemon.withContainerLock`); everything here reads and writes files or
/// talks to monitors, each call on its own connection.
public final class TaskManager: Sendable {
    public enum Failure: Error, CustomStringConvertible {
        case notFound(String)
        case exists(String)
        case invalidState(id: String, status: TaskInfo.Status, message: String)
        case startFailed(id: String, message: String)
        case execNotFound(id: String, exec: String)
        case execExists(id: String, exec: String)
        case monitor(MonitorError)
        case system(SystemError)
        case runtime(command: String, message: String)

        public var description: String {
            switch self {
            case .notFound(let id): "container \"\(id)\" has no task"
            case .exists(let id): "container \"\(id)\" already has a task"
            case .invalidState(_, _, let message): message
            case .startFailed(let id, let message): "cannot start \"\(id)\": \(message)"
            case .execNotFound(let id, let exec): "no exec process \"\(exec)\" in \"\(id)\""
            case .execExists(let id, let exec): "exec process \"\(exec)\" exists in \"\(id)\""
            case .monitor(let error): error.description
            case .system(let error): error.description
            case .runtime(let command, let message): "\(command): \(message)"
            }
        }
    }

    let configuration: DaemonConfiguration
    let events: EventBus
    /// Called (on the watcher's thread) when a task's init has exited.
    let exitHandler: Mutex<(@Sendable (String) -> Void)?> = Mutex(nil)
    let watcher: Mutex<ExitWatcher?> = Mutex(nil)
    /// The exit events of tasks whose start is being reported, held back until the
    /// start event is out: a process that exits at once must not be seen to exit first.
    let heldExits: Mutex<[String: [DaemonEvent]]> = Mutex([:])

    public init(configuration: DaemonConfiguration, events: EventBus) {
        self.configuration = configuration
        self.events = events
    }

    /// Starts watching for exits; `onExit` runs for each task whose init exits.
    public func startWatching(onExit: @escaping @Sendable (String) -> Void) throws(SystemError) {
        exitHandler.withLock { $0 = onExit }
        let watcher = try ExitWatcher { [weak self] directory, file in
            self?.recordAppeared(directory: directory, file: file)
        }
        self.watcher.withLock { $0 = watcher }
    }

    func directory(_ id: String) -> String {
        configuration.monitorDirectory(of: id)
    }

    /// Whether the container has a task (its monitor directory exists).
    public func exists(_ id: String) -> Bool {
        FileSystem.exists(directory(id) + "/" + MonitorFiles.monitorPid)
            || FileSystem.exists(directory(id) + "/" + MonitorFiles.exit)
    }

    /// The task of container `id`, from its monitor or its files.
    public func info(_ id: String) throws(Failure) -> TaskInfo {
        let directory = directory(id)
        guard exists(id) else { throw .notFound(id) }
        let meta = TaskMeta.read(directory)
        if let exit = try readExit(directory) {
            return TaskInfo(id: id, pid: 0, status: .stopped, tty: meta.tty,
                            startedAt: meta.startedAt, exitStatus: Int(exit.exitCode),
                            exitedAt: exit.time)
        }
        guard let status = try? MonitorClient.connect(directory).status() else {
            // The monitor may have recorded the exit and left since the read above;
            // with no record at all it died with the container (a reboot).
            let exit = try readExit(directory)
            return TaskInfo(id: id, pid: 0, status: .stopped, tty: meta.tty,
                            startedAt: meta.startedAt,
                            exitStatus: exit.map { Int($0.exitCode) } ?? 255,
                            exitedAt: exit?.time)
        }
        var state: TaskInfo.Status = switch status.state {
        case .created: .created
        case .running: .running
        case .stopped: .stopped
        }
        if state == .running && FileSystem.exists(directory + "/" + TaskMeta.pausedFile) {
            state = .paused
        }
        return TaskInfo(id: id, pid: Int(status.pid), status: state, tty: status.terminal,
                        startedAt: meta.startedAt, exitStatus: status.exit.map { Int($0.exitCode) },
                        exitedAt: status.exit?.time)
    }

    /// Creates the task (the monitor runs `runtime create`) and starts its process.
    /// With `attach`, a stream to the process is opened before it starts, so that it
    /// carries the output from the first byte. A stopped task of an earlier run is
    /// deleted first, as `docker start` does.
    public func start(
        _ record: ContainerRecord, bundle: String, terminalSize: ContainerSpec.TerminalSize?,
        attach: (stdin: Bool, wanted: Bool) = (false, false)
    ) throws(Failure) -> (pid: Int, stream: FileDescriptor?) {
        let id = record.id
        let directory = directory(id)
        if exists(id) {
            let current = try info(id)
            guard current.status == .stopped else {
                throw .invalidState(id: id, status: current.status,
                                    message: "container \"\(id)\" is already \(current.status)")
            }
            _ = try delete(id, force: false)
        }

        let tty = record.spec.tty ?? false
        let spec = MonitorSpec(
            id: id, bundle: bundle, runtime: record.runtime,
            runtimeRoot: configuration.runtimeRoot(), stateDirectory: directory,
            terminal: tty, standardInput: tty || (record.spec.stdin ?? false),
            removeOnExit: false, monitorPath: configuration.monitor,
            logLevel: Logger.shared.level.name)
        do {
            try FileSystem.createDirectory(directory, mode: 0o700)
            try watcher.withLock { watcher throws(SystemError) in try watcher?.watch(directory) }
        } catch {
            throw .system(error)
        }
        let handle: MonitorHandle
        do {
            handle = try MonitorClient.launch(spec)
        } catch {
            watcher.withLock { $0?.unwatch(directory) }
            try? FileSystem.removeTree(directory)
            if case .createFailed(_, let message) = error {
                throw .startFailed(id: id, message: message)
            }
            throw .monitor(error)
        }
        var stream: FileDescriptor?
        do {
            if tty, let size = terminalSize {
                try handle.resize(rows: UInt16(clamping: size.rows),
                                  cols: UInt16(clamping: size.columns))
            }
            if attach.wanted {
                stream = try handle.attach(stdin: attach.stdin)
            }
            heldExits.withLock { $0[id] = [] }
            try handle.start()
        } catch {
            heldExits.withLock { $0[id] = nil }
            stream?.close()
            _ = try? delete(id, force: true)
            throw .startFailed(id: id, message: error.description)
        }
        TaskMeta(tty: tty, startedAt: Logger.timestamp()).write(directory)
        events.publish(DaemonEvent(kind: .task, action: "start", subject: id,
                                   attributes: ["pid": String(handle.pid)]))
        for event in heldExits.withLock({ $0.removeValue(forKey: id) }) ?? [] {
            events.publish(event)
        }
        return (Int(handle.pid), stream)
    }

    /// Blocks until the init (or exec process `exec`) has exited, or the client at
    /// `hangUp` went away (then nil).
    public func wait(_ id: String, exec: String? = nil, hangUp: FileDescriptor? = nil)
        throws(Failure) -> ExitInfo?
    {
        let directory = directory(id)
        guard exists(id) else { throw .notFound(id) }
        let file = exec.map(MonitorFiles.execExit) ?? MonitorFiles.exit
        if exec != nil && !FileSystem.exists(directory + "/" + file)
            && !FileSystem.exists(directory + "/" + MonitorFiles.execPid(exec!))
        {
            throw .execNotFound(id: id, exec: exec!)
        }
        while true {
            let record = exec == nil
                ? try readExit(directory)
                : try readExecExit(directory, exec: exec!)
            if let record {
                return ExitInfo(exitStatus: Int(record.exitCode), exitedAt: record.time)
            }
            if !MonitorClient.isAlive(directory) {
                // The monitor may have written its record and left since the read above.
                let late = exec == nil
                    ? try readExit(directory)
                    : try readExecExit(directory, exec: exec!)
                if let late {
                    return ExitInfo(exitStatus: Int(late.exitCode), exitedAt: late.time)
                }
                // The monitor is gone without a record: nothing will write one.
                return ExitInfo(exitStatus: 255, exitedAt: Logger.timestamp())
            }
            let watching = watcher.withLock { $0 }
            if let watching {
                if !watching.waitForFile(directory + "/" + file, hangUp: hangUp) {
                    return nil
                }
            } else {
                usleep(100_000)
            }
        }
    }

    /// Sends `signal` to the init (all processes with `all`, or exec process `exec`).
    public func kill(_ id: String, signal: Int32, all: Bool, exec: String? = nil)
        throws(Failure)
    {
        let directory = directory(id)
        let current = try info(id)
        guard current.status != .stopped else {
            throw .invalidState(id: id, status: .stopped,
                                message: "container \"\(id)\" is not running")
        }
        if let exec {
            let pidText = try? FileSystem.readText(directory + "/" + MonitorFiles.execPid(exec))
            guard let pid = pidText.flatMap({ Int32($0.trimmingWhitespace()) }) else {
                throw .execNotFound(id: id, exec: exec)
            }
            guard Glibc.kill(pid, signal) == 0 else {
                throw .system(SystemError(call: "kill", path: "pid \(pid)", errno: currentErrno()))
            }
            return
        }
        do {
            try MonitorHandle(stateDirectory: directory, pid: Int32(current.pid))
                .kill(signal: signal, all: all)
        } catch {
            throw .monitor(error)
        }
    }

    /// Removes the task: its runtime state and its monitor's directory, returning its
    /// exit status. A running task is refused unless `force`, which kills it first.
    public func delete(_ id: String, force: Bool) throws(Failure) -> Int {
        let directory = directory(id)
        var current = try info(id)
        if current.status != .stopped {
            guard force else {
                throw .invalidState(id: id, status: current.status,
                                    message: "container \"\(id)\" is \(current.status): "
                                        + "stop it first or force")
            }
            if current.status == .paused {
                _ = try? runtime(["resume", id], runtimeBinary: runtimeBinary(id))
            }
            try? MonitorHandle(stateDirectory: directory, pid: Int32(current.pid))
                .kill(signal: SIGKILL, all: true)
            _ = try wait(id)
            current = try info(id)
        }
        _ = try? runtime(["delete", "--force", id], runtimeBinary: runtimeBinary(id))
        // The monitor leaves once its process is gone and nobody is attached; its
        // directory goes only after it (or after a second, should a client linger).
        _ = MonitorClient.waitUntilGone(directory, timeoutMilliseconds: 1000)
        watcher.withLock { $0?.unwatch(directory) }
        do {
            try FileSystem.removeTree(directory)
        } catch {
            throw .system(error)
        }
        events.publish(DaemonEvent(kind: .task, action: "delete", subject: id,
                                   attributes: ["exitStatus": String(current.exitStatus ?? 0)]))
        return current.exitStatus ?? 0
    }

    /// The runtime binary a task was started with (recorded in its bundle's sibling).
    func runtimeBinary(_ id: String) -> String {
        (try? FileSystem.readText(configuration.bundle(of: id) + "/runtime"))?
            .trimmingWhitespace() ?? configuration.runtime
    }

    /// Runs the task's OCI runtime with `arguments` and the daemon's runtime root.
    @discardableResult
    func runtime(_ arguments: [String], runtimeBinary: String) throws(Failure) -> [UInt8] {
        let command = [runtimeBinary, "--root", configuration.runtimeRoot()] + arguments
        do {
            let result = try Subprocess.run(command)
            guard result.status == 0 else {
                let message = String(decoding: result.error, as: UTF8.self).trimmingWhitespace()
                throw Failure.runtime(command: command.joined(separator: " "),
                                      message: message.isEmpty ? "exit status \(result.status)"
                                                               : message)
            }
            return result.output
        } catch let failure as Failure {
            throw failure
        } catch {
            throw .runtime(command: command.joined(separator: " "), message: "\(error)")
        }
    }

    func readExit(_ directory: String) throws(Failure) -> ExitRecord? {
        do {
            return try MonitorClient.readExit(directory)
        } catch {
            throw .monitor(error)
        }
    }

    func readExecExit(_ directory: String, exec: String) throws(Failure) -> ExitRecord? {
        do {
            return try MonitorClient.readExecExit(directory, exec: exec)
        } catch {
            throw .monitor(error)
        }
    }

    /// The watcher saw `file` appear in a monitor's directory.
    func recordAppeared(directory: String, file: String) {
        let id = FileFunctions.containerID(ofMonitorDirectory: directory)
        if file == MonitorFiles.exit {
            let record = try? MonitorClient.readExit(directory)
            let event = DaemonEvent(kind: .task, action: "exit", subject: id, attributes: [
                "exitStatus": String(record?.exitCode ?? 255),
            ])
            let held = heldExits.withLock { held in
                guard held[id] != nil else { return false }
                held[id]?.append(event)
                return true
            }
            if !held {
                events.publish(event)
            }
            let handler = exitHandler.withLock { $0 }
            handler?(id)
        } else if file.hasPrefix("exec-") && file.hasSuffix(".exit") {
            let exec = String(file.dropFirst(5).dropLast(5))
            let record = try? MonitorClient.readExecExit(directory, exec: exec)
            events.publish(DaemonEvent(kind: .task, action: "exec-exit", subject: id, attributes: [
                "execId": exec, "exitStatus": String(record?.exitCode ?? 255),
            ]))
        }
    }
}

/// Helpers for the paths of the task layout.
enum FileFunctions {
    /// `<state>/containers/<id>/monitor` → `<id>`.
    static func containerID(ofMonitorDirectory directory: String) -> String {
        let bundle = FileSystem.parent(of: directory)
        return String(bundle.split(separator: "/").last ?? "")
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
