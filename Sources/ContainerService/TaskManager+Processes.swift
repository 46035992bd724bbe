#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import MonitorClient
import RuntimeKit
import SystemKit
import Varlink

/// Exec, attach, resize, pause and resume: what reaches into a running task.
extension TaskManager {
    /// What a client asks of an exec process.
    public struct ExecRequest: Sendable {
        public var execID: String
        public var args: [String]
        public var env: [String]?
        public var cwd: String?
        public var user: String?
        public var tty: Bool
        public var terminalSize: ContainerSpec.TerminalSize?
        public var stdin: Bool
    }

    func handle(_ id: String) throws(Failure) -> MonitorHandle {
        let current = try info(id)
        guard current.status == .running || current.status == .paused
            || current.status == .created
        else {
            throw .invalidState(id: id, status: current.status,
                                message: "container \"\(id)\" is not running")
        }
        return MonitorHandle(stateDirectory: directory(id), pid: Int32(current.pid))
    }

    /// Runs a further process in the container, built from the container's own process
    /// (capabilities, rlimits, no_new_privs) with the request's overrides. With `attach`,
    /// the returned stream carries its input and output from the first byte.
    public func exec(_ id: String, _ request: ExecRequest, bundle: String, attach: Bool)
        throws(Failure) -> (pid: Int, stream: FileDescriptor?)
    {
        let handle = try handle(id)
        let directory = directory(id)
        guard MonitorFiles.isValidIdentifier(request.execID) else {
            throw .runtime(command: "exec", message: "invalid exec id \"\(request.execID)\"")
        }
        if FileSystem.exists(directory + "/" + MonitorFiles.execPid(request.execID)) {
            throw .execExists(id: id, exec: request.execID)
        }
        let processPath = directory + "/exec-\(request.execID).json"
        do {
            let process = try execProcess(request, bundle: bundle)
            try FileSystem.writeAtomically(processPath, try JSONValueEncoder().encodeText(process),
                                           durable: false)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw .runtime(command: "exec", message: "\(error)")
        }
        let spec = ExecSpec(id: request.execID, processPath: processPath, terminal: request.tty,
                            standardInput: request.stdin || request.tty)
        do {
            let result: (pid: Int, stream: FileDescriptor?)
            if attach {
                let (pid, stream) = try handle.execAttached(spec)
                result = (Int(pid), stream)
            } else {
                result = (Int(try handle.exec(spec)), nil)
            }
            events.publish(DaemonEvent(kind: .task, action: "exec-start", subject: id,
                                       attributes: ["execId": request.execID,
                                                    "pid": String(result.pid)]))
            return result
        } catch {
            throw .startFailed(id: id, message: error.description)
        }
    }

    /// The OCI process of an exec: the container's, with the request's changes.
    func execProcess(_ request: ExecRequest, bundle: String) throws -> Spec.Process {
        let config = try JSONValueDecoder().decode(
            Spec.self, fromText: try FileSystem.read(bundle + "/config.json"))
        var process = config.process ?? Spec.Process()
        process.args = request.args
        process.terminal = request.tty
        process.consoleSize = request.terminalSize.map {
            Spec.ConsoleSize(height: UInt16(clamping: $0.rows), width: UInt16(clamping: $0.columns))
        }
        if let cwd = request.cwd { process.cwd = cwd }
        if let user = request.user {
            let rootfs = config.root?.path ?? bundle + "/rootfs"
            let resolved = try ImageUser.resolve(user, inRoot: rootfs)
            process.user = Spec.User(uid: resolved.uid, gid: resolved.gid,
                                     additionalGids: resolved.additionalGids.isEmpty
                                         ? nil : resolved.additionalGids)
        }
        var environment = process.env ?? []
        for entry in request.env ?? [] {
            let key = entry.prefix { $0 != "=" }
            environment.removeAll { $0.prefix { $0 != "=" } == key }
            environment.append(entry)
        }
        process.env = environment
        return process
    }

    /// A stream attached to the init (or to exec process `exec`).
    public func attach(_ id: String, exec: String?, stdin: Bool) throws(Failure) -> FileDescriptor {
        let handle = try handle(id)
        do {
            return try handle.attach(stdin: stdin, exec: exec)
        } catch {
            throw .monitor(error)
        }
    }

    public func resize(_ id: String, exec: String?, rows: Int, columns: Int) throws(Failure) {
        let handle = try handle(id)
        do {
            try handle.resize(rows: UInt16(clamping: rows), cols: UInt16(clamping: columns),
                              exec: exec)
        } catch {
            throw .monitor(error)
        }
    }

    /// Freezes every process of the task (`runtime pause`).
    public func pause(_ id: String) throws(Failure) {
        let current = try info(id)
        guard current.status == .running else {
            throw .invalidState(id: id, status: current.status,
                                message: "container \"\(id)\" is \(current.status), not running")
        }
        try runtime(["pause", id], runtimeBinary: runtimeBinary(id))
        try? FileSystem.writeAtomically(directory(id) + "/" + TaskMeta.pausedFile, text: "",
                                         durable: false)
        events.publish(DaemonEvent(kind: .task, action: "pause", subject: id))
    }

    /// Thaws a paused task (`runtime resume`).
    public func resume(_ id: String) throws(Failure) {
        let current = try info(id)
        guard current.status == .paused else {
            throw .invalidState(id: id, status: current.status,
                                message: "container \"\(id)\" is \(current.status), not paused")
        }
        try runtime(["resume", id], runtimeBinary: runtimeBinary(id))
        unlink(directory(id) + "/" + TaskMeta.pausedFile)
        events.publish(DaemonEvent(kind: .task, action: "resume", subject: id))
    }
}
