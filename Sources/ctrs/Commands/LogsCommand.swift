import CommandLineKit
import SystemKit
import Varlink

/// `ctrs logs ID`: the container's output log, to stdout and stderr as it was written;
/// with `--follow`, what comes until the process exits.
enum LogsCommand: Command {
    static let names = ["logs"]
    static let summary = "print a container's output"
    static let usage = "[OPTIONS] ID"
    static let options: [ArgumentParser.Option] = [
        .init("follow", "f", help: "keep printing until the process exits"),
        .init("tail", "n", value: "N", help: "only the last N entries"),
        .init("timestamps", help: "put each entry's time in front of it"),
    ]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let id = try CommonOptions.exactly(["ID"], in: arguments)[0]
        var parameters: JSONObject = ["id": .string(id)]
        if let tail = try arguments.integer("tail") {
            parameters["tail"] = .int(Int64(tail))
        }
        let timestamps = arguments.flag("timestamps")
        let connection = try context.connect()
        guard arguments.flag("follow") else {
            let reply = try connection.call("io.contaird.Tasks.Logs", parameters)
            try write(reply["entries"]?.arrayValue ?? [], timestamps: timestamps)
            return 0
        }
        parameters["follow"] = .bool(true)
        try connection.stream("io.contaird.Tasks.Logs", parameters) { reply throws(CtrsFailure) in
            try write(reply["entries"]?.arrayValue ?? [], timestamps: timestamps)
            return true
        }
        return 0
    }

    static func write(_ entries: [JSONValue], timestamps: Bool) throws(CtrsFailure) {
        for entry in entries {
            let object = entry.objectValue
            guard let bytes = Base64.decode(Formatting.string(object, "data")) else {
                throw CtrsFailure("the daemon sent a log entry that is not base64")
            }
            let target: FileDescriptor =
                Formatting.string(object, "stream") == "stderr" ? .standardError : .standardOutput
            if timestamps {
                StandardStreams.write(Formatting.string(object, "time") + " ", to: target)
            }
            try? target.writeAll(bytes)
        }
    }
}
