import CommandLineKit
import Varlink

/// `ctrs task wait ID`: waits for a container's process to exit, prints its exit
/// status and ends with it.
enum TaskWaitCommand: Command {
    static let names = ["task", "wait"]
    static let summary = "wait for a process to exit; ctrs exits with its status"
    static let usage = "[OPTIONS] ID"
    static let options: [ArgumentParser.Option] = [
        .init("exec-id", value: "EXEC", help: "wait for this exec process"),
    ]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let id = try CommonOptions.exactly(["ID"], in: arguments)[0]
        var parameters: JSONObject = ["id": .string(id)]
        parameters["execId"] = arguments.value("exec-id").map { .string($0) }
        let reply = try context.connect().call("io.contaird.Tasks.Wait", parameters)
        let status = Int32(truncatingIfNeeded: reply["exitStatus"]?.intValue ?? 0)
        StandardStreams.printLine("\(status)")
        return status
    }
}
