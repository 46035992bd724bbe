#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CommandLineKit
import SystemKit
import Varlink

/// `ctrs image export NAME...`: writes an OCI layout tar of the images to `--output`
/// or to stdout (never to a terminal).
enum ImageExportCommand: Command {
    static let names = ["image", "export"]
    static let aliases = ["save"]
    static let summary = "write images as an OCI layout tar"
    static let usage = "[OPTIONS] NAME..."
    static let options: [ArgumentParser.Option] = [
        .init("output", "o", value: "FILE", help: "the file to write (default: stdout)"),
        .init("all-platforms", help: "every platform in the store, not only the daemon's"),
    ]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let names = try CommonOptions.atLeastOne("NAME", in: arguments)
        let outputPath = arguments.value("output")
        if outputPath == nil && StandardStreams.isTerminal(.standardOutput) {
            throw CtrsFailure("refusing to write an archive to a terminal: use --output FILE")
        }
        let parameters: JSONObject = [
            "names": ContainerSpecOptions.strings(names),
            "allPlatforms": .bool(arguments.flag("all-platforms")),
        ]
        let connection = try context.connect()
        let (_, upgraded) = try connection.upgrade("io.contaird.Images.Export", parameters)
        defer { upgraded.close() }

        // Into a temporary file beside the output, renamed when complete, so that a
        // broken stream never leaves a truncated archive under the asked-for name.
        let temporary = outputPath.map { "\($0).\(getpid()).partial" }
        var output = FileDescriptor.standardOutput
        if let temporary {
            do {
                output = try FileDescriptor.open(temporary, O_WRONLY | O_CREAT | O_TRUNC,
                                                 mode: 0o644)
            } catch {
                throw CtrsFailure("cannot write \(outputPath ?? temporary): \(error.reason)")
            }
        }
        defer { if temporary != nil { output.close() } }
        do {
            while true {
                let chunk = try upgraded.read(upTo: 256 * 1024)
                if chunk.isEmpty {
                    break
                }
                try output.writeAll(chunk)
            }
            if let temporary, let outputPath {
                try Syscall.check("rename", path: outputPath) { rename(temporary, outputPath) }
            }
        } catch {
            if let temporary {
                unlink(temporary)
            }
            throw CtrsFailure("exporting \(names.joined(separator: " ")): \(error)")
        }
        return 0
    }
}
