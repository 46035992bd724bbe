import CommandLineKit
import Varlink

/// `ctrs task attach ID`: carries the input and output of a running process (from now
/// on; earlier output is in `logs`) and ends with its exit status.
enum TaskAttachCommand: Command {
    static let names = ["task", "attach"]
    static let summary = "attach to a running process's input and output"
    static let usage = "[OPTIONS] ID"
    static let options: [ArgumentParser.Option] = [
        .init("exec-id", value: "EXEC", help: "attach to this exec process"),
        .init("no-stdin", help: "do not forward stdin"),
    ]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let id = try CommonOptions.exactly(["ID"], in: arguments)[0]
        let execId = arguments.value("exec-id")
        let forwardInput = !arguments.flag("no-stdin")
        var parameters: JSONObject = ["id": .string(id), "stdin": .bool(forwardInput)]
        parameters["execId"] = execId.map { .string($0) }
        let control = try context.connect()
        let (reply, connection) = try context.connect().upgrade(
            "io.contaird.Tasks.Attach", parameters)
        let tty = reply["tty"]?.boolValue ?? false
        let session = AttachedSession(id: id, execId: execId, tty: tty,
                                      forwardInput: forwardInput, control: control)
        try session.prepare()
        defer { session.finish() }
        return try session.relayAndWait(connection)
    }
}
