import CommandLineKit
import Varlink

/// `ctrs version`: the client's version and the daemon's.
enum VersionCommand: Command {
    static let names = ["version"]
    static let summary = "show the versions of ctrs and of the daemon"
    static let usage = "[OPTIONS]"
    static let options: [ArgumentParser.Option] = [CommonOptions.format]

    /// The client's release; the daemon reports its own.
    static let clientVersion = "0.1.0"

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let json = try CommonOptions.wantsJSON(arguments)
        let client: JSONObject = ["version": .string(clientVersion)]
        let reply = try context.connect().call("io.contaird.System.Version")
        let server = reply["version"]?.objectValue ?? [:]
        if json {
            JSONPrinter.printCompact(["client": .object(client), "server": .object(server)])
            return 0
        }
        StandardStreams.printLine("""
            Client:
             Version: \(clientVersion)
            Server:
             Version: \(Formatting.string(server, "version"))
             Revision: \(Formatting.string(server, "revision"))
             API Version: \(Formatting.string(server, "apiVersion"))
            """)
        return 0
    }
}
