import CommandLineKit
import Varlink

/// `ctrs image rm NAME...`: removes names; content nothing else uses goes with them.
enum ImageRemoveCommand: Command {
    static let names = ["image", "rm"]
    static let aliases = ["remove", "delete", "del"]
    static let summary = "remove images"
    static let usage = "NAME..."
    static let options: [ArgumentParser.Option] = []

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let names = try CommonOptions.atLeastOne("NAME", in: arguments)
        let connection = try context.connect()
        return try EachTarget.run(names, verb: "remove") { name throws(CtrsFailure) in
            _ = try connection.call("io.contaird.Images.Remove", ["name": .string(name)])
        }
    }
}
