import MonitorClient

/// The monitor's command line; `MonitorSpec.arguments` writes it.
struct MonitorOptions {
    var id = ""
    var bundle = ""
    var runtime = ""
    var runtimeRoot: String?
    var runtimeArguments: [String] = []
    var stateDirectory = ""
    var terminal = false
    var standardInput = false
    var logPath: String?
    var removeOnExit = false
    var readyDescriptor: Int32?
    var logLevel = "warning"

    static let usage = """
        usage: contaird-monitor --id ID --bundle DIR --runtime BIN --dir STATEDIR
               [--runtime-root DIR] [--runtime-arg ARG]... [--tty] [--stdin]
               [--log-path FILE] [--rm] [--ready-fd N] [--log-level LEVEL]
        """

    /// Parses `arguments` (without the program name).
    static func parse(_ arguments: [String]) throws(UsageError) -> MonitorOptions {
        var options = MonitorOptions()
        var index = 0
        func value(_ flag: String) throws(UsageError) -> String {
            index += 1
            guard index < arguments.count else {
                throw UsageError(message: "flag \(flag) needs a value")
            }
            return arguments[index]
        }
        while index < arguments.count {
            let flag = arguments[index]
            switch flag {
            case "--id": options.id = try value(flag)
            case "--bundle": options.bundle = try value(flag)
            case "--runtime": options.runtime = try value(flag)
            case "--runtime-root": options.runtimeRoot = try value(flag)
            case "--runtime-arg": options.runtimeArguments.append(try value(flag))
            case "--dir": options.stateDirectory = try value(flag)
            case "--log-path": options.logPath = try value(flag)
            case "--log-level": options.logLevel = try value(flag)
            case "--tty": options.terminal = true
            case "--stdin": options.standardInput = true
            case "--rm": options.removeOnExit = true
            case "--ready-fd":
                let text = try value(flag)
                guard let number = Int32(text), number >= 0 else {
                    throw UsageError(
                        message: "--ready-fd needs a descriptor number, not \"\(text)\"")
                }
                options.readyDescriptor = number
            default:
                throw UsageError(message: "unknown argument \"\(flag)\"")
            }
            index += 1
        }
        for (flag, given) in [("--id", options.id), ("--bundle", options.bundle),
                              ("--runtime", options.runtime), ("--dir", options.stateDirectory)]
        where given.isEmpty {
            throw UsageError(message: "missing \(flag)")
        }
        guard MonitorFiles.isValidIdentifier(options.id) else {
            throw UsageError(message: "invalid container id \"\(options.id)\"")
        }
        return options
    }
}

/// A command line the monitor cannot run with.
struct UsageError: Error, CustomStringConvertible {
    let message: String

    var description: String {
        message
    }
}
