import CommandLineKit
import Varlink

/// `ctrs image inspect NAME`: the image record with its index, manifest and
/// configuration, as indented JSON.
enum ImageInspectCommand: Command {
    static let names = ["image", "inspect"]
    static let summary = "show an image with its manifest and configuration as JSON"
    static let usage = "[OPTIONS] NAME"
    static let options: [ArgumentParser.Option] = [
        CommonOptions.format,
        .init("platform", value: "OS/ARCH[/VARIANT]", help: "the platform's manifest"),
    ]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let name = try CommonOptions.exactly(["NAME"], in: arguments)[0]
        let json = try CommonOptions.wantsJSON(arguments)
        var parameters: JSONObject = ["name": .string(name)]
        parameters["platform"] = arguments.value("platform").map { .string($0) }
        let reply = try context.connect().call("io.contaird.Images.Inspect", parameters)
        if json {
            JSONPrinter.printCompact(.object(reply))
        } else {
            JSONPrinter.printIndented(.object(reply))
        }
        return 0
    }
}
