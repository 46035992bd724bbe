/// A container's task as `io.contaird.Tasks` reports it.
public struct TaskInfo: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        case created, running, paused, stopped
    }

    public var id: String
    public var pid: Int
    public var status: Status
    public var tty: Bool
    public var startedAt: String?
    public var exitStatus: Int?
    public var exitedAt: String?
}

/// One process of a container, as `ctrs task ps` prints it.
public struct ProcessInfo: Codable, Sendable, Equatable {
    public var pid: Int
    public var containerPid: Int
    public var ppid: Int
    public var uid: Int
    public var state: String
    public var command: String
}

/// How a process ended.
public struct ExitInfo: Codable, Sendable, Equatable {
    public var exitStatus: Int
    public var exitedAt: String
}
