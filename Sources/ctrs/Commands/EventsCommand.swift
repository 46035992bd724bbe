import CommandLineKit
import Varlink

/// `ctrs events`: what happens in the daemon, one line per event, until interrupted.
enum EventsCommand: Command {
    static let names = ["events"]
    static let summary = "print the daemon's events as they happen"
    static let usage = "[OPTIONS]"
    static let options: [ArgumentParser.Option] = [
        CommonOptions.format,
        .init("kind", value: "KIND", help: "only events of this kind (container, task, image)"),
    ]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let json = try CommonOptions.wantsJSON(arguments)
        var parameters = JSONObject()
        let kinds = arguments.all("kind")
        if !kinds.isEmpty {
            parameters["kinds"] = ContainerSpecOptions.strings(kinds)
        }
        try context.connect().stream("io.contaird.System.Events", parameters) { reply in
            guard let event = reply["event"], let object = event.objectValue else {
                return true
            }
            if json {
                JSONPrinter.printCompact(event)
                return true
            }
            let attributes = (object["attributes"]?.objectValue ?? [:])
                .map { key, value in "\(key)=\(value.stringValue ?? value.jsonText)" }
                .joined(separator: ", ")
            var line = [Formatting.string(object, "time"), Formatting.string(object, "kind"),
                        Formatting.string(object, "action"), Formatting.string(object, "subject")]
                .joined(separator: " ")
            if !attributes.isEmpty {
                line += " (\(attributes))"
            }
            StandardStreams.printLine(line)
            return true
        }
        return 0
    }
}
