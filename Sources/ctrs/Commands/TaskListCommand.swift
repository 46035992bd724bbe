import CommandLineKit
import Varlink

/// `ctrs task ls`: the tasks, with their host pids and statuses.
enum TaskListCommand: Command {
    static let names = ["task", "ls"]
    static let aliases = ["list"]
    static let summary = "list tasks (the running or exited processes of containers)"
    static let usage = "[OPTIONS]"
    static let options: [ArgumentParser.Option] = [CommonOptions.format, CommonOptions.quiet]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let json = try CommonOptions.wantsJSON(arguments)
        let reply = try context.connect().call("io.contaird.Tasks.List")
        let tasks = reply["tasks"]?.arrayValue ?? []
        if json {
            JSONPrinter.printCompact(.array(tasks))
            return 0
        }
        if arguments.flag("quiet") {
            for task in tasks {
                StandardStreams.printLine(Formatting.string(task.objectValue, "id"))
            }
            return 0
        }
        var table = TablePrinter("ID", "PID", "STATUS", "EXIT", "STARTED")
        for task in tasks {
            let object = task.objectValue
            let exit = object?["exitStatus"]?.intValue.map { "\($0)" } ?? ""
            table.add(Formatting.string(object, "id"), "\(Formatting.integer(object, "pid"))",
                      Formatting.string(object, "status"), exit,
                      Formatting.time(object?["startedAt"]?.stringValue))
        }
        table.print()
        return 0
    }
}
