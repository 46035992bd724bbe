import CommandLineKit
import Varlink

/// `ctrs task resume ID...`: thaws the processes `task pause` froze.
enum TaskResumeCommand: Command {
    static let names = ["task", "resume"]
    static let summary = "thaw the processes of paused containers"
    static let usage = "ID..."
    static let options: [ArgumentParser.Option] = []

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let ids = try CommonOptions.atLeastOne("ID", in: arguments)
        let connection = try context.connect()
        return try EachTarget.run(ids, verb: "resume") { id throws(CtrsFailure) in
            _ = try connection.call("io.contaird.Tasks.Resume", ["id": .string(id)])
        }
    }
}
