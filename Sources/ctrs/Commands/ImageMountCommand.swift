import CommandLineKit
import Varlink

/// `ctrs image mount NAME TARGET`: mounts a read-only view of an image's root
/// filesystem on a directory.
enum ImageMountCommand: Command {
    static let names = ["image", "mount"]
    static let summary = "mount an image's root filesystem read-only on a directory"
    static let usage = "[OPTIONS] NAME TARGET"
    static let options: [ArgumentParser.Option] = [
        .init("platform", value: "OS/ARCH[/VARIANT]", help: "the platform to mount"),
    ]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let names = try CommonOptions.exactly(["NAME", "TARGET"], in: arguments)
        var parameters: JSONObject = [
            "name": .string(names[0]), "target": .string(Paths.absolute(names[1])),
        ]
        parameters["platform"] = arguments.value("platform").map { .string($0) }
        _ = try context.connect().call("io.contaird.Images.Mount", parameters)
        StandardStreams.printLine(names[1])
        return 0
    }
}
