import CommandLineKit
import Varlink

/// `ctrs image tag SOURCE TARGET`: gives an image a second name.
enum ImageTagCommand: Command {
    static let names = ["image", "tag"]
    static let summary = "give an image another name"
    static let usage = "SOURCE TARGET"
    static let options: [ArgumentParser.Option] = []

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let names = try CommonOptions.exactly(["SOURCE", "TARGET"], in: arguments)
        let reply = try context.connect().call(
            "io.contaird.Images.Tag", ["source": .string(names[0]), "target": .string(names[1])])
        StandardStreams.printLine(reply["image"]?["name"]?.stringValue ?? names[1])
        return 0
    }
}
