/// What a monitor is started with: the container, its runtime, and where state goes.
public struct MonitorSpec: Sendable {
    /// The container id, passed to the runtime.
    public var id: String
    /// The OCI bundle directory (made absolute at launch).
    public var bundle: String
    /// The runtime binary, any OCI runtime with runc's command line.
    public var runtime: String
    /// The runtime's state root (`runtime --root`), nil for the runtime's default.
    public var runtimeRoot: String?
    /// Global options put before every runtime command, such as `--systemd-cgroup`.
    public var runtimeArguments: [String]
    /// The monitor's state directory: its socket, pid files and exit records.
    public var stateDirectory: String
    /// Whether the container gets a terminal (the bundle's `process.terminal` must agree).
    public var terminal: Bool
    /// Whether the container's stdin is kept open for attached clients.
    public var standardInput: Bool
    /// The output log; nil means `container.log` in the state directory.
    public var logPath: String?
    /// Whether the monitor runs `runtime delete` once the container has exited.
    public var removeOnExit: Bool
    /// The monitor binary; nil means `contaird-monitor` beside the running executable.
    public var monitorPath: String?
    /// The monitor's own log level ("debug", "info", "warning", "error").
    public var logLevel: String
    /// How long `launch` waits for the runtime to create the container, in seconds.
    public var launchTimeout: Int

    public init(
        id: String,
        bundle: String,
        runtime: String,
        runtimeRoot: String? = nil,
        runtimeArguments: [String] = [],
        stateDirectory: String,
        terminal: Bool = false,
        standardInput: Bool = false,
        logPath: String? = nil,
        removeOnExit: Bool = false,
        monitorPath: String? = nil,
        logLevel: String = "warning",
        launchTimeout: Int = 60
    ) {
        self.id = id
        self.bundle = bundle
        self.runtime = runtime
        self.runtimeRoot = runtimeRoot
        self.runtimeArguments = runtimeArguments
        self.stateDirectory = stateDirectory
        self.terminal = terminal
        self.standardInput = standardInput
        self.logPath = logPath
        self.removeOnExit = removeOnExit
        self.monitorPath = monitorPath
        self.logLevel = logLevel
        self.launchTimeout = launchTimeout
    }

    /// The monitor's command line after the program name, telling it to report
    /// readiness on descriptor `readyDescriptor`.
    public func arguments(readyDescriptor: Int32) -> [String] {
        var arguments = ["--id", id, "--bundle", bundle, "--runtime", runtime,
                         "--dir", stateDirectory, "--ready-fd", String(readyDescriptor),
                         "--log-level", logLevel]
        if let runtimeRoot {
            arguments += ["--runtime-root", runtimeRoot]
        }
        for argument in runtimeArguments {
            arguments += ["--runtime-arg", argument]
        }
        if let logPath {
            arguments += ["--log-path", logPath]
        }
        if terminal {
            arguments.append("--tty")
        }
        if standardInput {
            arguments.append("--stdin")
        }
        if removeOnExit {
            arguments.append("--rm")
        }
        return arguments
    }
}
