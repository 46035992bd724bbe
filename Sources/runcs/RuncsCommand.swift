#if canImport(Glibc)
import Glibc
#endif
import RuntimeKit
import SystemKit

/// runcs's command line: global flags, then one verb with its own flags. Each verb
/// maps onto one `Runtime` method; this file only parses and prints.
enum RuncsCommand {
    static let version = "0.1.0"

    static let globalFlags = CommandLineParser([
        .init("root", value: true), .init("log", value: true),
        .init("log-format", value: true), .init("debug"), .init("systemd-cgroup"),
        .init("criu", value: true), .init("rootless", value: true),
        .init("version", "v"), .init("help", "h"),
    ])

    /// `--version`: the first line as runc's, "NAME version X.Y.Z", which callers such as
    /// Docker's `info` parse, then the commit line they also expect and the spec version.
    static var versionText: String {
        """
        \(RuncsHelp.programName) version \(version)
        commit: not recorded in this build
        spec: \(Spec.version)

        """
    }

    /// Runs the command line `arguments` (without the program name); the exit status.
    static func main(_ arguments: [String]) -> Int32 {
        var hasLogFile = false
        do {
            let global = try globalFlags.parse(arguments)
            hasLogFile = try configureLogging(global)
            if global.isSet("version") {
                print(versionText, terminator: "")
                return 0
            }
            guard let command = global.rest.first, !global.isSet("help") else {
                print(RuncsHelp.overview, terminator: "")
                return global.isSet("help") ? 0 : 2
            }
            if global.isSet("systemd-cgroup") {
                throw RuntimeError(.unavailable, "--systemd-cgroup is not supported by runcs")
            }
            let runtime = Runtime(root: global.value("root") ?? Runtime.defaultRoot(),
                                  rootless: try Runtime.rootlessSetting(global.value("rootless")))
            return try dispatch(command, Array(global.rest.dropFirst()), runtime: runtime)
        } catch {
            report(error, hasLogFile: hasLogFile)
            return (error as? RuntimeError)?.exitStatus ?? 1
        }
    }

    /// Logs to `--log` in `--log-format` when given, else to stderr; quiet unless
    /// `--debug`. Returns whether a log file is in use.
    static func configureLogging(_ global: CommandLineParser.Result) throws(RuntimeError) -> Bool {
        let level: Logger.Level = global.isSet("debug") ? .debug : .warning
        var format = Logger.Format.text
        switch global.value("log-format") {
        case nil, "text": break
        case "json": format = .json
        case let other?:
            throw RuntimeError(.invalidArgument, "unknown log-format \"\(other)\"")
        }
        guard let path = global.value("log"), !path.isEmpty else {
            Logger.shared.configure(level: level, format: format)
            return false
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw RuntimeError(.invalidArgument,
                               "\(SystemError(call: "open", path: path, errno: errno))")
        }
        Logger.shared.configure(level: level, format: format, output: FileDescriptor(rawValue: fd))
        return true
    }

    /// The error on stderr and, when a log file is in use, as its last error line.
    static func report(_ error: any Error, hasLogFile: Bool) {
        let message = "\(error)"
        if hasLogFile {
            Logger.shared.error(message)
        }
        try? FileDescriptor.standardError.writeAll("runcs: \(message)\n")
    }

    static func dispatch(_ command: String, _ arguments: [String], runtime: Runtime)
        throws -> Int32
    {
        if arguments.first == "--help" || arguments.first == "-h" || command == "help" {
            let topic = command == "help" ? arguments.first : command
            guard let topic else {
                print(RuncsHelp.overview, terminator: "")
                return 0
            }
            guard let page = RuncsHelp.page(for: topic) else {
                throw RuntimeError(.invalidArgument, "No help topic for '\(topic)'")
            }
            print(page, terminator: "")
            return 0
        }
        switch command {
        case "spec": return try Verbs.spec(arguments)
        case "create": return try Verbs.create(arguments, runtime: runtime)
        case "start": return try Verbs.start(arguments, runtime: runtime)
        case "run": return try Verbs.run(arguments, runtime: runtime)
        case "state": return try Verbs.state(arguments, runtime: runtime)
        case "list": return try Verbs.list(arguments, runtime: runtime)
        case "kill": return try Verbs.kill(arguments, runtime: runtime)
        case "delete": return try Verbs.delete(arguments, runtime: runtime)
        case "exec": return try Verbs.exec(arguments, runtime: runtime)
        case "ps": return try Verbs.ps(arguments, runtime: runtime)
        case "pause": return try Verbs.pause(arguments, runtime: runtime)
        case "resume": return try Verbs.resume(arguments, runtime: runtime)
        case "update": return try Verbs.update(arguments, runtime: runtime)
        case "events": return try Verbs.events(arguments, runtime: runtime)
        case "features": return try Verbs.features(arguments)
        case "checkpoint", "restore":
            throw RuntimeError(.unavailable,
                               "\(command) is not supported: runcs has no CRIU support")
        default:
            throw RuntimeError(.invalidArgument, "unknown command \"\(command)\"")
        }
    }
}
