import CommandLineKit
import Varlink

/// `ctrs image unmount TARGET`: undoes `image mount`.
enum ImageUnmountCommand: Command {
    static let names = ["image", "unmount"]
    static let aliases = ["umount"]
    static let summary = "unmount what `image mount` mounted"
    static let usage = "TARGET"
    static let options: [ArgumentParser.Option] = []

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let target = try CommonOptions.exactly(["TARGET"], in: arguments)[0]
        _ = try context.connect().call("io.contaird.Images.Unmount",
                                       ["target": .string(Paths.absolute(target))])
        StandardStreams.printLine(target)
        return 0
    }
}
