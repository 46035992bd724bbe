import CommandLineKit
import Varlink

/// `ctrs container ls`: the containers, their image and status.
enum ContainerListCommand: Command {
    static let names = ["container", "ls"]
    static let aliases = ["list"]
    static let summary = "list containers"
    static let usage = "[OPTIONS]"
    static let options: [ArgumentParser.Option] = [
        CommonOptions.format, CommonOptions.quiet,
        .init("label", "l", value: "KEY=VALUE", help: "only containers with this label"),
    ]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let json = try CommonOptions.wantsJSON(arguments)
        var parameters = JSONObject()
        let labels = try ContainerSpecOptions.labels(arguments)
        if !labels.isEmpty {
            parameters["labels"] = .object(labels)
        }
        let reply = try context.connect().call("io.contaird.Containers.List", parameters)
        let containers = reply["containers"]?.arrayValue ?? []
        if json {
            JSONPrinter.printCompact(.array(containers))
            return 0
        }
        if arguments.flag("quiet") {
            for container in containers {
                StandardStreams.printLine(Formatting.string(container.objectValue, "id"))
            }
            return 0
        }
        var table = TablePrinter("ID", "IMAGE", "STATUS", "CREATED")
        for container in containers {
            let object = container.objectValue
            table.add(Formatting.string(object, "id"), Formatting.string(object, "imageName"),
                      Formatting.string(object, "status"),
                      Formatting.time(object?["createdAt"]?.stringValue))
        }
        table.print()
        return 0
    }
}
