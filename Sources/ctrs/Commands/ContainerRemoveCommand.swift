import CommandLineKit
import Varlink

/// `ctrs container rm ID...`: deletes containers (their snapshot, bundle and record).
enum ContainerRemoveCommand: Command {
    static let names = ["container", "rm"]
    static let aliases = ["remove", "delete", "del"]
    static let summary = "delete containers"
    static let usage = "[OPTIONS] ID..."
    static let options: [ArgumentParser.Option] = [
        .init("force", "f", help: "kill and delete a running task first"),
    ]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let ids = try CommonOptions.atLeastOne("ID", in: arguments)
        let connection = try context.connect()
        return try EachTarget.run(ids, verb: "delete") { id throws(CtrsFailure) in
            _ = try connection.call("io.contaird.Containers.Delete",
                                    ["id": .string(id), "force": .bool(arguments.flag("force"))])
        }
    }
}
