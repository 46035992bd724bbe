import CommandLineKit
import Varlink

/// `ctrs container info ID`: the stored container and, when it has one, its task, as
/// indented JSON.
enum ContainerInfoCommand: Command {
    static let names = ["container", "info"]
    static let aliases = ["inspect"]
    static let summary = "show a container and its task as JSON"
    static let usage = "ID"
    static let options: [ArgumentParser.Option] = [CommonOptions.format]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let id = try CommonOptions.exactly(["ID"], in: arguments)[0]
        let json = try CommonOptions.wantsJSON(arguments)
        let connection = try context.connect()
        var result = try connection.call("io.contaird.Containers.Get", ["id": .string(id)])
        if let task = try? connection.call("io.contaird.Tasks.Get", ["id": .string(id)]) {
            result["task"] = task["task"]
        }
        if json {
            JSONPrinter.printCompact(.object(result))
        } else {
            JSONPrinter.printIndented(.object(result))
        }
        return 0
    }
}
