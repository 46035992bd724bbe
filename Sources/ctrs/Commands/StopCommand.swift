import CommandLineKit
import Varlink

/// `ctrs stop ID...`: SIGTERM, then SIGKILL after the timeout.
enum StopCommand: Command {
    static let names = ["stop"]
    static let summary = "stop containers' processes: SIGTERM, then SIGKILL after a timeout"
    static let usage = "[OPTIONS] ID..."
    static let options: [ArgumentParser.Option] = [
        .init("time", "t", "timeout", value: "SECONDS",
              help: "seconds to wait before SIGKILL (default 10)"),
    ]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let ids = try CommonOptions.atLeastOne("ID", in: arguments)
        let timeout = try arguments.integer("time")
        let connection = try context.connect()
        return try EachTarget.run(ids, verb: "stop") { id throws(CtrsFailure) in
            var parameters: JSONObject = ["id": .string(id)]
            parameters["timeoutSeconds"] = timeout.map { .int(Int64($0)) }
            _ = try connection.call("io.contaird.Tasks.Stop", parameters)
        }
    }
}
