import CommandLineKit
import Varlink

/// `ctrs task rm ID...`: removes stopped tasks (and their monitors), keeping the
/// containers.
enum TaskRemoveCommand: Command {
    static let names = ["task", "rm"]
    static let aliases = ["remove", "delete", "del"]
    static let summary = "remove stopped tasks, keeping their containers"
    static let usage = "[OPTIONS] ID..."
    static let options: [ArgumentParser.Option] = [
        .init("force", "f", help: "kill a running task first"),
    ]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let ids = try CommonOptions.atLeastOne("ID", in: arguments)
        let connection = try context.connect()
        return try EachTarget.run(ids, verb: "remove") { id throws(CtrsFailure) in
            _ = try connection.call("io.contaird.Tasks.Delete",
                                    ["id": .string(id), "force": .bool(arguments.flag("force"))])
        }
    }
}
