import CommandLineKit
import Varlink

/// `ctrs task start ID`: starts a created container's process, in the background, or
/// with `--attach` carrying its input and output and ending with its exit status.
enum TaskStartCommand: Command {
    static let names = ["task", "start"]
    static let summary = "start a container's process"
    static let usage = "[OPTIONS] ID"
    static let options: [ArgumentParser.Option] = [
        .init("attach", "a", help: "carry the process's output and wait for it to exit"),
        .init("interactive", "i", help: "with --attach, forward stdin"),
    ]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let id = try CommonOptions.exactly(["ID"], in: arguments)[0]
        let control = try context.connect()
        guard arguments.flag("attach") else {
            let reply = try control.call("io.contaird.Tasks.Start", ["id": .string(id)])
            StandardStreams.printLine("\(reply["pid"]?.intValue ?? 0)")
            return 0
        }
        let container = try control.call("io.contaird.Containers.Get", ["id": .string(id)])
        let spec = container["container"]?["spec"]
        let tty = spec?["tty"]?.boolValue ?? false
        let forwardInput = tty || arguments.flag("interactive")
        let session = AttachedSession(id: id, execId: nil, tty: tty,
                                      forwardInput: forwardInput, control: control)
        try session.prepare()
        defer { session.finish() }
        let (_, connection) = try context.connect().upgrade(
            "io.contaird.Tasks.Start", ["id": .string(id), "stdin": .bool(forwardInput)])
        return try session.relayAndWait(connection)
    }
}
