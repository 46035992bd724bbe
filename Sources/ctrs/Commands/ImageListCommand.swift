import CommandLineKit
import Varlink

/// `ctrs image ls`: the images, their digests, sizes and platforms.
enum ImageListCommand: Command {
    static let names = ["image", "ls"]
    static let aliases = ["list"]
    static let summary = "list images"
    static let usage = "[OPTIONS]"
    static let options: [ArgumentParser.Option] = [CommonOptions.format, CommonOptions.quiet]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let json = try CommonOptions.wantsJSON(arguments)
        let reply = try context.connect().call("io.contaird.Images.List")
        let images = reply["images"]?.arrayValue ?? []
        if json {
            JSONPrinter.printCompact(.array(images))
            return 0
        }
        if arguments.flag("quiet") {
            for image in images {
                StandardStreams.printLine(Formatting.string(image.objectValue, "name"))
            }
            return 0
        }
        var table = TablePrinter("NAME", "DIGEST", "SIZE", "PLATFORMS", "CREATED")
        for image in images {
            let object = image.objectValue
            let platforms = (object?["platforms"]?.arrayValue ?? []).map { platform in
                let parts = [platform["os"]?.stringValue, platform["architecture"]?.stringValue,
                             platform["variant"]?.stringValue]
                return parts.compactMap { $0 }.joined(separator: "/")
            }
            table.add(Formatting.string(object, "name"),
                      Formatting.shortDigest(Formatting.string(object, "digest")),
                      Formatting.size(Formatting.integer(object, "size")),
                      platforms.joined(separator: ","),
                      Formatting.time(object?["createdAt"]?.stringValue))
        }
        table.print()
        return 0
    }
}
