import CommandLineKit
import Varlink

/// `ctrs container create IMAGE ID [CMD [ARG...]]`: stores a container without starting
/// it (`task start` runs it).
enum ContainerCreateCommand: Command {
    static let names = ["container", "create"]
    static let summary = "create a container from an image without starting it"
    static let usage = "[OPTIONS] IMAGE ID [CMD [ARG...]]"
    static let positionalLimit: Int? = 2
    static let options = ContainerSpecOptions.options

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard arguments.positionals.count >= 2 else {
            throw UsageError("expected IMAGE ID [CMD [ARG...]]")
        }
        let id = arguments.positionals[1]
        let spec = try ContainerSpecOptions.spec(
            image: arguments.positionals[0], command: Array(arguments.positionals.dropFirst(2)),
            arguments)
        var parameters: JSONObject = ["id": .string(id), "spec": .object(spec)]
        let labels = try ContainerSpecOptions.labels(arguments)
        if !labels.isEmpty {
            parameters["labels"] = .object(labels)
        }
        _ = try context.connect().call("io.contaird.Containers.Create", parameters)
        StandardStreams.printLine(id)
        return 0
    }
}
