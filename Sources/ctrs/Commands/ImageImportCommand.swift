#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CommandLineKit
import SystemKit
import Varlink

/// `ctrs image import FILE`: sends an OCI layout tar or a `docker save` tar (`-` for
/// stdin) to the daemon over an upgraded Images.Import connection and prints the
/// names it imported.
enum ImageImportCommand: Command {
    static let names = ["image", "import"]
    static let aliases = ["load"]
    static let summary = "import an OCI layout or docker save archive (FILE or - for stdin)"
    static let usage = "[OPTIONS] FILE|-"
    static let options: [ArgumentParser.Option] = [
        .init("all-platforms", help: "import every platform, not only the daemon's"),
        .init("index-name", value: "NAME", help: "the name of an archive that carries none"),
        CommonOptions.quiet,
    ]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let path = try CommonOptions.exactly(["FILE"], in: arguments)[0]
        let archive: FileDescriptor
        if path == "-" {
            archive = .standardInput
        } else {
            do {
                archive = try FileDescriptor.open(path, O_RDONLY)
            } catch {
                throw CtrsFailure("cannot open the archive \(path): \(error.reason)")
            }
        }
        defer { if path != "-" { archive.close() } }

        var parameters: JSONObject = ["allPlatforms": .bool(arguments.flag("all-platforms"))]
        parameters["indexName"] = arguments.value("index-name").map { .string($0) }
        let connection = try context.connect()
        let (_, upgraded) = try connection.upgrade("io.contaird.Images.Import", parameters)
        defer { upgraded.close() }
        try send(archive, named: path, over: upgraded)
        let images = try finalReply(upgraded, socketPath: connection.socketPath)
        if !arguments.flag("quiet") {
            for image in images {
                let object = image.objectValue
                StandardStreams.printLine("imported \(Formatting.string(object, "name")) "
                    + Formatting.string(object, "digest"))
            }
        }
        return 0
    }

    /// Copies the archive to the daemon, then shuts down the writing side. A daemon
    /// that stopped reading (it refused the archive) ends the copy early: its final
    /// message says why.
    static func send(_ archive: FileDescriptor, named path: String,
                     over connection: VarlinkUpgradedConnection) throws
    {
        while true {
            let chunk: [UInt8]
            do {
                chunk = try archive.read(upTo: 256 * 1024)
            } catch {
                throw CtrsFailure("reading the archive \(path): \(error.reason)")
            }
            if chunk.isEmpty {
                break
            }
            do {
                try connection.write(chunk)
            } catch {
                break
            }
        }
        try? connection.shutdownWrite()
    }

    /// The images of the final NUL-terminated message, or the error it carries.
    static func finalReply(_ connection: VarlinkUpgradedConnection, socketPath: String)
        throws -> [JSONValue]
    {
        let bytes: [UInt8]
        do {
            bytes = try connection.readToEnd()
        } catch {
            throw DaemonConnection.failure(error, socketPath: socketPath)
        }
        guard let end = bytes.firstIndex(of: 0),
            let message = try? JSONParser.parse(bytes[..<end]).objectValue
        else {
            throw CtrsFailure("the daemon at \(socketPath) ended the import without a reply")
        }
        if let name = message["error"]?.stringValue {
            let parameters = message["parameters"]?.objectValue ?? [:]
            throw DaemonConnection.failure(VarlinkError(name, parameters: parameters))
        }
        return message["parameters"]?["images"]?.arrayValue ?? []
    }
}
