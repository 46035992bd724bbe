#if canImport(Glibc)
import JSON
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CShim
import MonitorClient
import SystemKit

/// A request the monitor refuses, with the reason sent back to the client.
struct RequestError: Error, CustomStringConvertible {
    let message: String

    var description: String {
        message
    }
}

extension Monitor {
    /// Parses and carries out one request line; see docs/monitor.md for each operation.
    func handleRequest(_ line: [UInt8], from client: Client) {
        let request: JSONValue
        do {
            request = try JSONParser.parse(line)
        } catch {
            reply(client, error: "\(error)")
            return
        }
        let operation = request["op"]?.stringValue ?? ""
        Logger.shared.debug("request", ["id": options.id, "op": operation])
        do {
            switch operation {
            case "status":
                reply(client, statusMembers())
            case "start":
                try start()
                reply(client)
            case "attach":
                let target = try process(named: request["exec"])
                try attach(client, to: target, stdin: request["stdin"]?.boolValue ?? false)
            case "resize":
                try resize(process(named: request["exec"]), request)
                reply(client)
            case "kill":
                try kill(request)
                reply(client)
            case "wait":
                try wait(client, for: request["exec"])
            case "close-stdin":
                try closeStdin(process(named: request["exec"]))
                reply(client)
            case "exec":
                try exec(request, from: client)
            default:
                throw RequestError(message: "unknown operation \"\(operation)\"")
            }
        } catch {
            reply(client, error: "\(error)")
        }
    }

    func statusMembers() -> [(String, JSONValue)] {
        let state: MonitorStatus.State =
            container.exit != nil ? .stopped : container.started ? .running : .created
        let status = MonitorStatus(
            state: state, pid: container.pid, monitorPid: monitorPid,
            terminal: container.terminal, exit: container.exit,
            runningExecs: execs.filter { $0.exit == nil }.compactMap { $0.execID })
        guard case .object(let members) = status.json else {
            return []
        }
        return members.map { ($0.key, $0.value) }
    }

    /// The container's init, or the exec'd process named by `exec`.
    func process(named exec: JSONValue?) throws -> SupervisedProcess {
        guard let exec, exec != .null else {
            return container
        }
        guard let id = exec.stringValue,
              let process = execs.first(where: { $0.execID == id }) else {
            throw RequestError(message: "no exec \(exec.jsonText) in container \(options.id)")
        }
        return process
    }

    func start() throws {
        guard container.exit == nil else {
            throw RequestError(message: "container \(options.id) has already exited")
        }
        guard !container.started else {
            throw RequestError(message: "container \(options.id) is already started")
        }
        try runtime.run(["start", options.id])
        container.started = true
        Logger.shared.info("container started", ["id": options.id])
    }

    func attach(_ client: Client, to target: SupervisedProcess, stdin: Bool) throws {
        guard target.exit == nil || target.hasOutput else {
            throw RequestError(message: "\(target.name(container: options.id)) has exited")
        }
        client.target = target
        client.sendsInput = stdin
        reply(client, [("tty", .bool(target.terminal))], closeAfter: false)
    }

    func resize(_ target: SupervisedProcess, _ request: JSONValue) throws {
        guard let rows = request["rows"]?.intValue, let cols = request["cols"]?.intValue,
              rows > 0, rows <= 65535, cols > 0, cols <= 65535 else {
            throw RequestError(message: "resize needs rows and cols between 1 and 65535")
        }
        guard let master = target.master else {
            throw RequestError(message: "\(target.name(container: options.id)) has no terminal")
        }
        try Syscall.check("ioctl TIOCSWINSZ", path: target.name(container: options.id)) {
            cshim_set_winsize(master.rawValue, UInt16(rows), UInt16(cols))
        }
    }

    func kill(_ request: JSONValue) throws {
        guard let signal = request["signal"]?.intValue, signal > 0, signal < 65 else {
            throw RequestError(message: "kill needs a signal number between 1 and 64")
        }
        var arguments = ["kill"]
        if request["all"]?.boolValue == true {
            arguments.append("--all")
        }
        try runtime.run(arguments + [options.id, String(signal)])
    }

    /// Answers with the exit record of the container (or exec) once it has exited: at
    /// once if it already has, from its file if an exec is no longer tracked.
    func wait(_ client: Client, for exec: JSONValue?) throws {
        if let id = exec?.stringValue, !execs.contains(where: { $0.execID == id }),
           MonitorFiles.isValidIdentifier(id) {
            guard let record = try? ExitRecord.read(MonitorFiles.execExit(id)) else {
                throw RequestError(message: "no exec \(exec!.jsonText) in container \(options.id)")
            }
            reply(client, [("exit", record.json)])
            return
        }
        let target = try process(named: exec)
        if let record = target.exit {
            reply(client, [("exit", record.json)])
        } else {
            client.awaited = target
        }
    }

    func closeStdin(_ target: SupervisedProcess) throws {
        guard !target.terminal else {
            throw RequestError(message: "\(target.name(container: options.id)) has a terminal; "
                               + "send end-of-file (ctrl-d) through attach instead")
        }
        writeInput(target, to: target.input)
        target.closeInput()
    }
}
