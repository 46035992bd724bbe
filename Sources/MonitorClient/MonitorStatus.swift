import JSON

/// What a monitor reports about its container.
public struct MonitorStatus: Equatable, Sendable {
    public enum State: String, Sendable {
        /// Created by the runtime, its process not started yet.
        case created
        /// Started and not yet exited.
        case running
        /// The init process has exited; `exit` says how.
        case stopped
    }

    public let state: State
    /// The host pid of the container's init.
    public let pid: Int32
    /// The monitor's own pid.
    public let monitorPid: Int32
    /// Whether the container has a terminal.
    public let terminal: Bool
    /// How the init ended, once it has.
    public let exit: ExitRecord?
    /// The exec'd processes still running, by id.
    public let runningExecs: [String]

    public init(state: State, pid: Int32, monitorPid: Int32, terminal: Bool,
                exit: ExitRecord?, runningExecs: [String]) {
        self.state = state
        self.pid = pid
        self.monitorPid = monitorPid
        self.terminal = terminal
        self.exit = exit
        self.runningExecs = runningExecs
    }

    public var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("state", .string(state.rawValue)),
            ("pid", .int(Int64(pid))),
            ("monitorPid", .int(Int64(monitorPid))),
            ("tty", .bool(terminal)),
            ("execs", .array(runningExecs.map { .string($0) })),
        ]
        if let exit {
            members.append(("exit", exit.json))
        }
        return .object(JSONObject(members))
    }

    public init?(json: JSONValue) {
        guard let stateName = json["state"]?.stringValue, let state = State(rawValue: stateName),
              let pid = json["pid"]?.intValue,
              let monitorPid = json["monitorPid"]?.intValue,
              let terminal = json["tty"]?.boolValue
        else {
            return nil
        }
        self.state = state
        self.pid = Int32(truncatingIfNeeded: pid)
        self.monitorPid = Int32(truncatingIfNeeded: monitorPid)
        self.terminal = terminal
        exit = json["exit"].flatMap { ExitRecord(json: $0) }
        runningExecs = (json["execs"]?.arrayValue ?? []).compactMap { $0.stringValue }
    }
}
