import CommandLineKit
import Varlink

/// `ctrs task metrics ID`: CPU time, memory and pids of a container, from its cgroup.
enum TaskMetricsCommand: Command {
    static let names = ["task", "metrics"]
    static let aliases = ["stats"]
    static let summary = "show a container's resource use"
    static let usage = "[OPTIONS] ID"
    static let options: [ArgumentParser.Option] = [CommonOptions.format]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let id = try CommonOptions.exactly(["ID"], in: arguments)[0]
        let json = try CommonOptions.wantsJSON(arguments)
        let reply = try context.connect().call("io.contaird.Tasks.Metrics", ["id": .string(id)])
        let usage = reply["usage"]?.objectValue
        if json {
            JSONPrinter.printCompact(.object(usage ?? [:]))
            return 0
        }
        let memoryLimit = usage?["memoryLimitBytes"]?.intValue
        let pidsLimit = usage?["pidsLimit"]?.intValue
        let cpu = Formatting.integer(usage, "cpuUsageNanoseconds")
        var table = TablePrinter("ID", "CPU", "MEMORY", "MEMORY LIMIT", "PIDS", "PIDS LIMIT")
        table.add(id, "\(cpu / 1_000_000)ms",
                  Formatting.binarySize(Formatting.integer(usage, "memoryUsageBytes")),
                  memoryLimit.map(Formatting.binarySize) ?? "unlimited",
                  "\(Formatting.integer(usage, "pids"))",
                  pidsLimit.map { "\($0)" } ?? "unlimited")
        table.print()
        return 0
    }
}
