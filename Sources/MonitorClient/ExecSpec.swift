/// A further process to run in a running container (`runtime exec`).
public struct ExecSpec: Sendable {
    /// Names the process in the monitor and in its files (`exec-<id>.exit`).
    public var id: String
    /// An OCI process JSON file, as `runtime exec --process` reads it; its `terminal`
    /// must agree with `terminal`.
    public var processPath: String
    /// Whether the process gets a terminal of its own.
    public var terminal: Bool
    /// Whether the process's stdin is kept open for the attached client.
    public var standardInput: Bool

    public init(id: String, processPath: String, terminal: Bool = false,
                standardInput: Bool = false) {
        self.id = id
        self.processPath = processPath
        self.terminal = terminal
        self.standardInput = standardInput
    }
}
