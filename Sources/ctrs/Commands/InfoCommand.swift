import CommandLineKit
import Varlink

/// `ctrs info`: the daemon and its host, as `docker info` shows them.
enum InfoCommand: Command {
    static let names = ["info"]
    static let summary = "show the daemon's state: containers, images, storage, runtime"
    static let usage = "[OPTIONS]"
    static let options: [ArgumentParser.Option] = [CommonOptions.format]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let json = try CommonOptions.wantsJSON(arguments)
        let reply = try context.connect().call("io.contaird.System.Info")
        guard let info = reply["info"]?.objectValue else {
            throw CtrsFailure("the daemon's Info reply has no info")
        }
        if json {
            JSONPrinter.printCompact(.object(info))
            return 0
        }
        func text(_ key: String) -> String { Formatting.string(info, key) }
        func number(_ key: String) -> String { "\(Formatting.integer(info, key))" }
        let lines = [
            "Server Version: \(text("serverVersion"))",
            "Containers: \(number("containers"))",
            " Running: \(number("containersRunning"))",
            " Paused: \(number("containersPaused"))",
            " Stopped: \(number("containersStopped"))",
            "Images: \(number("images"))",
            "Storage Driver: \(text("storageDriver"))",
            "Cgroup Version: \(number("cgroupVersion"))",
            "Runtime: \(text("runtime")) (\(text("runtimeVersion")))",
            "Kernel Version: \(text("kernelVersion"))",
            "Operating System: \(text("operatingSystem"))",
            "Architecture: \(text("architecture"))",
            "CPUs: \(number("cpus"))",
            "Total Memory: \(Formatting.binarySize(Formatting.integer(info, "memoryBytes")))",
            "Root Dir: \(text("rootDirectory"))",
            "State Dir: \(text("stateDirectory"))",
            "Socket: \(text("socketPath"))",
            "Daemon PID: \(number("pid"))",
            "Started: \(Formatting.time(info["startedAt"]?.stringValue))",
        ]
        StandardStreams.printLine(lines.joined(separator: "\n"))
        return 0
    }
}
