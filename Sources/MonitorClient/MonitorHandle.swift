import JSON
import SystemKit

/// One container's monitor, reached through the socket in its state directory.
///
/// A value type holding only paths and numbers: every call opens its own connection, so
/// handles can be copied and used from any thread.
public struct MonitorHandle: Sendable {
    /// The monitor's state directory.
    public let stateDirectory: String
    /// The host pid of the container's init.
    public let pid: Int32

    public init(stateDirectory: String, pid: Int32) {
        self.stateDirectory = stateDirectory
        self.pid = pid
    }

    /// Starts the container's process (`runtime start`).
    public func start() throws(MonitorError) {
        _ = try call("start", [])
    }

    /// What the monitor knows about the container.
    public func status() throws(MonitorError) -> MonitorStatus {
        let reply = try call("status", [])
        guard let status = MonitorStatus(json: reply) else {
            throw .protocolViolation("status reply \(reply.jsonText)")
        }
        return status
    }

    /// Waits until the container's init (or the exec'd process `exec`) has exited and
    /// returns how. When no monitor is there, or it goes away meanwhile, the durable
    /// record answers; `notRunning` when there is none either.
    public func wait(exec: String? = nil) throws(MonitorError) -> ExitRecord {
        let connection: FileDescriptor
        do {
            (_, connection) = try open("wait", exec.map { [("exec", JSONValue.string($0))] } ?? [],
                                       replyExpected: false)
        } catch {
            guard case .notRunning = error else {
                throw error
            }
            return try recordedExit(exec: exec)
        }
        defer { connection.close() }
        guard let line = try? MonitorProtocol.readLine(connection), !line.isEmpty else {
            return try recordedExit(exec: exec)
        }
        guard let reply = try? JSONParser.parse(line) else {
            throw .protocolViolation("wait reply " + String(decoding: line, as: UTF8.self))
        }
        guard reply["ok"]?.boolValue == true else {
            throw .requestFailed(operation: "wait",
                                 message: reply["error"]?.stringValue ?? reply.jsonText)
        }
        guard let exit = reply["exit"], let record = ExitRecord(json: exit) else {
            throw .protocolViolation("wait reply \(reply.jsonText)")
        }
        return record
    }

    /// The exit record in the state directory; `notRunning` when there is none.
    func recordedExit(exec: String?) throws(MonitorError) -> ExitRecord {
        let name = exec.map(MonitorFiles.execExit) ?? MonitorFiles.exit
        guard let record = try ExitRecord.read(stateDirectory + "/" + name) else {
            throw .notRunning(stateDirectory: stateDirectory)
        }
        return record
    }

    /// Attaches to the container's process (or to the exec'd process `exec`) and returns
    /// the connection, positioned after the protocol's reply: with a terminal it carries
    /// raw bytes both ways; without one, what the caller writes goes to stdin and what it
    /// reads are output frames (`MonitorProtocol.readFrame`). With `stdin` false, bytes
    /// the caller writes are dropped. The monitor closes the connection once the process
    /// has exited and its output has been sent; the caller closes it to detach.
    public func attach(stdin: Bool, exec: String? = nil) throws(MonitorError) -> FileDescriptor {
        var arguments: [(String, JSONValue)] = [("stdin", .bool(stdin))]
        if let exec {
            arguments.append(("exec", .string(exec)))
        }
        let (_, connection) = try open("attach", arguments)
        return connection
    }

    /// Sets the terminal size of the container (or of the exec'd process `exec`); valid
    /// before `start`, so that the process's first look at its terminal is already right.
    public func resize(rows: UInt16, cols: UInt16, exec: String? = nil) throws(MonitorError) {
        var arguments: [(String, JSONValue)] = [("rows", .int(Int64(rows))),
                                                ("cols", .int(Int64(cols)))]
        if let exec {
            arguments.append(("exec", .string(exec)))
        }
        _ = try call("resize", arguments)
    }

    /// Sends `signal` to the container's init, or to all its processes (`runtime kill`).
    public func kill(signal: Int32, all: Bool = false) throws(MonitorError) {
        _ = try call("kill", [("signal", .int(Int64(signal))), ("all", .bool(all))])
    }

    /// Closes the stdin of the container (or of the exec'd process `exec`).
    public func closeStdin(exec: String? = nil) throws(MonitorError) {
        _ = try call("close-stdin", exec.map { [("exec", JSONValue.string($0))] } ?? [])
    }

    /// Runs a further process in the container and returns its host pid; its output is
    /// dropped unless a client attaches (see `execAttached` to miss none of it).
    public func exec(_ spec: ExecSpec) throws(MonitorError) -> Int32 {
        let (reply, connection) = try open("exec", Self.execArguments(spec, attach: false))
        connection.close()
        return try Self.pid(in: reply)
    }

    /// Runs a further process in the container with this connection attached to it from
    /// its first byte; see `attach` for what the connection carries.
    public func execAttached(_ spec: ExecSpec)
        throws(MonitorError) -> (pid: Int32, stream: FileDescriptor)
    {
        let (reply, connection) = try open("exec", Self.execArguments(spec, attach: true))
        do {
            return (try Self.pid(in: reply), connection)
        } catch {
            connection.close()
            throw error
        }
    }

    static func execArguments(_ spec: ExecSpec, attach: Bool) -> [(String, JSONValue)] {
        [("exec", .string(spec.id)), ("process", .string(spec.processPath)),
         ("tty", .bool(spec.terminal)), ("stdin", .bool(spec.standardInput)),
         ("attach", .bool(attach))]
    }

    static func pid(in reply: JSONValue) throws(MonitorError) -> Int32 {
        guard let pid = reply["pid"]?.intValue else {
            throw .protocolViolation("exec reply without a pid: \(reply.jsonText)")
        }
        return Int32(truncatingIfNeeded: pid)
    }

    /// Sends one request and returns the reply, closing the connection.
    func call(_ operation: String, _ arguments: [(String, JSONValue)])
        throws(MonitorError) -> JSONValue
    {
        let (reply, connection) = try open(operation, arguments)
        connection.close()
        return reply
    }

    /// Sends one request and returns the reply with the connection still open; with
    /// `replyExpected` false it returns right after sending (the reply comes later).
    func open(_ operation: String, _ arguments: [(String, JSONValue)],
              replyExpected: Bool = true) throws(MonitorError) -> (JSONValue, FileDescriptor)
    {
        let connection: FileDescriptor
        do {
            connection = try UnixSocket.connect(stateDirectory + "/" + MonitorFiles.socket)
        } catch {
            throw .notRunning(stateDirectory: stateDirectory)
        }
        do {
            let request = JSONValue.object(JSONObject([("op", .string(operation))] + arguments))
            try connection.writeAll(request.jsonText + "\n")
        } catch {
            connection.close()
            throw .system(error)
        }
        if !replyExpected {
            return (.null, connection)
        }

        let reply: JSONValue
        do throws(MonitorError) {
            guard let line = try MonitorProtocol.readLine(connection) else {
                throw MonitorError.notRunning(stateDirectory: stateDirectory)
            }
            guard let parsed = try? JSONParser.parse(line) else {
                throw MonitorError.protocolViolation(
                    "reply to \(operation): " + String(decoding: line, as: UTF8.self))
            }
            reply = parsed
        } catch {
            connection.close()
            throw error
        }
        guard reply["ok"]?.boolValue == true else {
            connection.close()
            throw .requestFailed(operation: operation,
                                 message: reply["error"]?.stringValue ?? reply.jsonText)
        }
        return (reply, connection)
    }
}
