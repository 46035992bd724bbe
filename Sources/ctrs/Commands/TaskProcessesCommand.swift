import CommandLineKit
import Varlink

/// `ctrs task ps ID`: the processes of a container, with host and container pids.
enum TaskProcessesCommand: Command {
    static let names = ["task", "ps"]
    static let summary = "list the processes of a container"
    static let usage = "[OPTIONS] ID"
    static let options: [ArgumentParser.Option] = [CommonOptions.format, CommonOptions.quiet]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let id = try CommonOptions.exactly(["ID"], in: arguments)[0]
        let json = try CommonOptions.wantsJSON(arguments)
        let reply = try context.connect().call("io.contaird.Tasks.Ps", ["id": .string(id)])
        let processes = reply["processes"]?.arrayValue ?? []
        if json {
            JSONPrinter.printCompact(.array(processes))
            return 0
        }
        if arguments.flag("quiet") {
            for process in processes {
                StandardStreams.printLine("\(Formatting.integer(process.objectValue, "pid"))")
            }
            return 0
        }
        var table = TablePrinter("PID", "CPID", "PPID", "UID", "STATE", "COMMAND")
        for process in processes {
            let object = process.objectValue
            table.add("\(Formatting.integer(object, "pid"))",
                      "\(Formatting.integer(object, "containerPid"))",
                      "\(Formatting.integer(object, "ppid"))",
                      "\(Formatting.integer(object, "uid"))",
                      Formatting.string(object, "state"), Formatting.string(object, "command"))
        }
        table.print()
        return 0
    }
}
