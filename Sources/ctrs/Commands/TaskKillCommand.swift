import CommandLineKit
import Varlink

/// `ctrs task kill ID...`: sends a signal to containers' processes.
enum TaskKillCommand: Command {
    static let names = ["task", "kill"]
    static let summary = "send a signal (SIGTERM by default) to containers' processes"
    static let usage = "[OPTIONS] ID..."
    static let options: [ArgumentParser.Option] = [
        .init("signal", "s", value: "SIGNAL",
              help: "the signal: a name (KILL, SIGKILL) or a number"),
        .init("all", "a", help: "signal every process of the container"),
        .init("exec-id", value: "EXEC", help: "signal this exec process"),
    ]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let ids = try CommonOptions.atLeastOne("ID", in: arguments)
        let connection = try context.connect()
        return try EachTarget.run(ids, verb: "signal") { id throws(CtrsFailure) in
            var parameters: JSONObject = [
                "id": .string(id), "signal": .string(arguments.value("signal") ?? "SIGTERM"),
                "all": .bool(arguments.flag("all")),
            ]
            parameters["execId"] = arguments.value("exec-id").map { .string($0) }
            _ = try connection.call("io.contaird.Tasks.Kill", parameters)
        }
    }
}
