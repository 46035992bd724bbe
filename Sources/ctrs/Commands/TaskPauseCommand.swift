import CommandLineKit
import Varlink

/// `ctrs task pause ID...`: freezes every process of the containers.
enum TaskPauseCommand: Command {
    static let names = ["task", "pause"]
    static let summary = "freeze every process of containers"
    static let usage = "ID..."
    static let options: [ArgumentParser.Option] = []

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let ids = try CommonOptions.atLeastOne("ID", in: arguments)
        let connection = try context.connect()
        return try EachTarget.run(ids, verb: "pause") { id throws(CtrsFailure) in
            _ = try connection.call("io.contaird.Tasks.Pause", ["id": .string(id)])
        }
    }
}
