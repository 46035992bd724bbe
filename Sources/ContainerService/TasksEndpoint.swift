#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ContairdAPI
import SystemKit
import Varlink

/// `io.contaird.Tasks`: starting, watching and steering containers' processes.
struct TasksEndpoint {
    let daemon: Daemon
    var tasks: TaskManager { daemon.tasks }

    struct IDParameters: Codable { var id: String }
    struct StartParameters: Codable { var id: String; var stdin: Bool? }
    struct WaitParameters: Codable { var id: String; var execId: String? }
    struct KillParameters: Codable {
        var id: String
        var signal: String?
        var all: Bool?
        var execId: String?
    }
    struct StopParameters: Codable { var id: String; var timeoutSeconds: Int? }
    struct DeleteParameters: Codable { var id: String; var force: Bool? }
    struct ExecParameters: Codable {
        var id: String
        var execId: String
        var args: [String]
        var env: [String]?
        var cwd: String?
        var user: String?
        var tty: Bool?
        var terminalSize: ContainerSpec.TerminalSize?
        var stdin: Bool?
    }
    struct AttachParameters: Codable { var id: String; var execId: String?; var stdin: Bool? }
    struct ResizeParameters: Codable {
        var id: String
        var execId: String?
        var size: ContainerSpec.TerminalSize
    }
    struct LogsParameters: Codable { var id: String; var tail: Int?; var follow: Bool? }

    func service() throws -> VarlinkService {
        var service = try VarlinkService(description: ContairdInterfaces.tasks)
        service.handle("Start") { call, replier in
            let parameters = try call.decodeParameters(StartParameters.self)
            try start(parameters, replier)
        }
        service.handle("Wait") { call, replier in
            let parameters = try call.decodeParameters(WaitParameters.self)
            if parameters.execId == nil, !tasks.exists(parameters.id),
               let exit = daemon.removedExit(of: parameters.id) {
                try replier.reply(exit)
                return
            }
            try translate(parameters.id) {
                guard let exit = try tasks.wait(parameters.id, exec: parameters.execId,
                                                hangUp: replier.callerDescriptor)
                else { return }
                // The attached client of a `--rm` container gets the status once the
                // container is gone, so that it can reuse the id at once.
                if parameters.execId == nil && daemon.removalClaims.claim(parameters.id) {
                    daemon.removeClaimed(parameters.id)
                }
                try replier.reply(exit)
            }
        }
        service.handle("Kill") { (parameters: KillParameters, _) -> VarlinkEmpty in
            let signal = try Self.signalNumber(parameters.signal ?? "SIGTERM")
            try locked(parameters.id) {
                try tasks.kill(parameters.id, signal: signal, all: parameters.all ?? false,
                               exec: parameters.execId)
            }
            return VarlinkEmpty()
        }
        service.handle("Stop") { (parameters: StopParameters, call) in
            ["exitStatus": try stop(parameters, hangUp: nil)]
        }
        service.handle("Delete") { (parameters: DeleteParameters, _) in
            let status = try locked(parameters.id) {
                try tasks.delete(parameters.id, force: parameters.force ?? false)
            }
            return ["exitStatus": status]
        }
        service.handle("Exec") { call, replier in
            try exec(try call.decodeParameters(ExecParameters.self), call: call, replier)
        }
        service.handle("Attach") { call, replier in
            let parameters = try call.decodeParameters(AttachParameters.self)
            guard call.upgrade else { throw VarlinkError.invalidParameter("upgrade") }
            let (stream, tty) = try translate(parameters.id) {
                let tty = try tasks.info(parameters.id).tty
                return (try tasks.attach(parameters.id, exec: parameters.execId,
                                         stdin: parameters.stdin ?? false), tty)
            }
            defer { stream.close() }
            let connection = try replier.upgrade(["tty": .bool(tty)])
            relay(connection, stream)
        }
        service.handle("Resize") { (parameters: ResizeParameters, _) -> VarlinkEmpty in
            try translate(parameters.id) {
                try tasks.resize(parameters.id, exec: parameters.execId,
                                 rows: parameters.size.rows, columns: parameters.size.columns)
            }
            return VarlinkEmpty()
        }
        service.handle("Pause") { (parameters: IDParameters, _) -> VarlinkEmpty in
            try locked(parameters.id) { try tasks.pause(parameters.id) }
            return VarlinkEmpty()
        }
        service.handle("Resume") { (parameters: IDParameters, _) -> VarlinkEmpty in
            try locked(parameters.id) { try tasks.resume(parameters.id) }
            return VarlinkEmpty()
        }
        service.handle("Ps") { (parameters: IDParameters, _) in
            ["processes": try translate(parameters.id) { try tasks.processes(parameters.id) }]
        }
        service.handle("Metrics") { (parameters: IDParameters, _) in
            ["usage": try translate(parameters.id) { try tasks.metrics(parameters.id) }]
        }
        service.handle("List") { (_: VarlinkEmpty, _) in
            let records = try daemon.containers.list()
            return ["tasks": records.compactMap { try? tasks.info($0.id) }]
        }
        service.handle("Get") { (parameters: IDParameters, _) in
            ["task": try translate(parameters.id) { try tasks.info(parameters.id) }]
        }
        service.handle("Logs") { call, replier in
            try logs(try call.decodeParameters(LogsParameters.self), call: call, replier)
        }
        return service
    }

    func start(_ parameters: StartParameters, _ replier: VarlinkReplier) throws {
        let id = parameters.id
        let upgrade = replier.call.upgrade
        let (pid, stream) = try locked(id) {
            let record = try ContainersEndpoint(daemon: daemon).record(id)
            let bundle = daemon.configuration.bundle(of: id)
            if !FileSystem.exists(bundle + "/config.json") {
                try daemon.prepareBundle(record)
            }
            // Before the start: the process may exit before tasks.start returns.
            let expectsWait = upgrade && record.spec.autoRemove == true
            if expectsWait {
                daemon.removalClaims.expect(id)
            }
            do {
                return try tasks.start(
                    record, bundle: bundle, terminalSize: record.spec.terminalSize,
                    attach: (stdin: parameters.stdin ?? record.spec.stdin
                                 ?? record.spec.tty ?? false,
                             wanted: upgrade))
            } catch {
                if expectsWait {
                    daemon.removalClaims.withdraw(id)
                }
                throw error
            }
        }
        guard let stream else {
            try replier.reply(["pid": .int(Int64(pid))])
            return
        }
        defer { stream.close() }
        let connection = try replier.upgrade(["pid": .int(Int64(pid))])
        if relay(connection, stream) == .clientLeft {
            // Nobody is left to call Wait: an autoRemove container goes at its exit.
            daemon.removalClaims.withdraw(id)
        }
    }

    func exec(_ parameters: ExecParameters, call: VarlinkCall, _ replier: VarlinkReplier)
        throws
    {
        let request = TaskManager.ExecRequest(
            execID: parameters.execId, args: parameters.args, env: parameters.env,
            cwd: parameters.cwd, user: parameters.user, tty: parameters.tty ?? false,
            terminalSize: parameters.terminalSize, stdin: parameters.stdin ?? false)
        guard !request.args.isEmpty else { throw VarlinkError.invalidParameter("args") }
        let (pid, stream) = try locked(parameters.id) {
            try tasks.exec(parameters.id, request,
                           bundle: daemon.configuration.bundle(of: parameters.id),
                           attach: call.upgrade)
        }
        guard let stream else {
            try replier.reply(["pid": .int(Int64(pid))])
            return
        }
        defer { stream.close() }
        let connection = try replier.upgrade(["pid": .int(Int64(pid))])
        relay(connection, stream)
    }

    func stop(_ parameters: StopParameters, hangUp: FileDescriptor?) throws -> Int {
        let id = parameters.id
        let timeout = parameters.timeoutSeconds ?? 10
        try translate(id) {
            let info = try tasks.info(id)
            guard info.status != .stopped else { return }
            if info.status == .paused { try tasks.resume(id) }
            try tasks.kill(id, signal: SIGTERM, all: false)
        }
        let deadline = Self.monotonicSeconds() + Double(timeout)
        while Self.monotonicSeconds() < deadline {
            if (try? tasks.info(id).status) == .stopped { break }
            usleep(20_000)
        }
        if (try? tasks.info(id).status) != .stopped {
            try? tasks.kill(id, signal: SIGKILL, all: true)
        }
        return try translate(id) { try tasks.wait(id)?.exitStatus ?? 137 }
    }

    func logs(_ parameters: LogsParameters, call: VarlinkCall, _ replier: VarlinkReplier)
        throws
    {
        let id = parameters.id
        _ = try ContainersEndpoint(daemon: daemon).record(id)
        let path = tasks.logPath(id)
        let bytes = (try? FileSystem.read(path)) ?? []
        var (entries, consumed) = TaskManager.parseLog(bytes[...])
        if let tail = parameters.tail, tail >= 0, entries.count > tail {
            entries.removeFirst(entries.count - tail)
        }
        guard parameters.follow == true else {
            try replier.reply(["entries": try JSONValueEncoder().encode(entries)])
            return
        }
        try replier.reply(["entries": try JSONValueEncoder().encode(entries)], continues: true)
        var offset = consumed
        while !replier.isCancelled {
            let finished = (try? tasks.info(id).status) != .running
            let all = (try? FileSystem.read(path)) ?? []
            if all.count > offset {
                let (more, used) = TaskManager.parseLog(all[offset...])
                offset += used
                if !more.isEmpty {
                    try replier.reply(["entries": try JSONValueEncoder().encode(more)],
                                      continues: true)
                }
            }
            if finished { break }
            usleep(100_000)
        }
        try replier.reply(["entries": .array([])])
    }

    /// Carries bytes between the upgraded caller and the process's stream until the
    /// process's output ends or the caller goes away.
    @discardableResult
    func relay(_ connection: VarlinkUpgradedConnection, _ stream: FileDescriptor)
        -> ByteRelay.Ending
    {
        let (client, pending) = connection.detach()
        defer { client.close() }
        return ByteRelay.run(client: client, pending: pending, process: stream)
    }

    /// Runs `body` under the container's lock, translating task failures.
    func locked<T>(_ id: String, _ body: () throws -> T) throws -> T {
        try daemon.withContainerLock(id) { try translate(id, body) }
    }

    /// Runs `body`, turning the task manager's failures into the interface's errors.
    func translate<T>(_ id: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let failure as TaskManager.Failure {
            switch failure {
            case .notFound:
                if (try? daemon.containers.get(id)) == nil {
                    throw APIError.containerNotFound(id)
                }
                throw APIError.taskNotFound(id)
            case .exists: throw APIError.taskExists(id)
            case .invalidState(_, let status, let message):
                throw APIError.invalidState(id, status: status.rawValue, message)
            case .startFailed(_, let message):
                throw APIError.startFailed(id, exitStatus: Self.startFailureStatus(message),
                                           message)
            case .execNotFound(_, let exec): throw APIError.execNotFound(id, exec)
            case .execExists(_, let exec): throw APIError.execExists(id, exec)
            default: throw APIError.internalError(failure.description)
            }
        }
    }

    /// Docker's convention: 127 when the command was not found, 126 when it could not
    /// be executed for another reason.
    static func startFailureStatus(_ message: String) -> Int {
        let lowered = message.lowercased()
        return lowered.contains("not found") || lowered.contains("no such file") ? 127 : 126
    }

    /// A signal by name ("SIGTERM", "TERM") or number ("15").
    static func signalNumber(_ text: String) throws -> Int32 {
        if let number = Int32(text), number > 0, number < 65 { return number }
        var name = text.uppercased()
        if name.hasPrefix("SIG") { name.removeFirst(3) }
        let names: [String: Int32] = [
            "HUP": SIGHUP, "INT": SIGINT, "QUIT": SIGQUIT, "ILL": SIGILL, "TRAP": SIGTRAP,
            "ABRT": SIGABRT, "BUS": SIGBUS, "FPE": SIGFPE, "KILL": SIGKILL, "USR1": SIGUSR1,
            "SEGV": SIGSEGV, "USR2": SIGUSR2, "PIPE": SIGPIPE, "ALRM": SIGALRM,
            "TERM": SIGTERM, "CHLD": SIGCHLD, "CONT": SIGCONT, "STOP": SIGSTOP,
            "TSTP": SIGTSTP, "TTIN": SIGTTIN, "TTOU": SIGTTOU, "URG": SIGURG,
            "XCPU": SIGXCPU, "XFSZ": SIGXFSZ, "VTALRM": SIGVTALRM, "PROF": SIGPROF,
            "WINCH": SIGWINCH, "IO": SIGIO, "PWR": SIGPWR, "SYS": SIGSYS,
        ]
        guard let number = names[name] else { throw APIError.unknownSignal(text) }
        return number
    }

    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
