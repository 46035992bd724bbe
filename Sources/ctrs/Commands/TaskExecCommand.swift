#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CommandLineKit
import Varlink

/// `ctrs task exec ID CMD [ARG...]`: runs another process in a running container,
/// carrying its input and output and ending with its exit status (or, with
/// `--detach`, leaving it in the background with its output in the log).
enum TaskExecCommand: Command {
    static let names = ["task", "exec"]
    static let summary = "run another process in a running container"
    static let usage = "[OPTIONS] ID CMD [ARG...]"
    static let positionalLimit: Int? = 1
    static let options: [ArgumentParser.Option] = [
        .init("tty", "t", help: "give the process a terminal (implies --interactive)"),
        .init("interactive", "i", help: "forward stdin"),
        .init("detach", "d", help: "run in the background; print the exec id"),
        .init("exec-id", value: "EXEC", help: "the exec id (default: a random one)"),
        .init("env", "e", value: "KEY=VALUE", help: "set a variable; repeatable"),
        .init("cwd", "workdir", "w", value: "DIR", help: "the working directory"),
        .init("user", "u", value: "USER[:GROUP]", help: "the user to run as"),
    ]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard arguments.positionals.count >= 2 else {
            throw UsageError("expected ID CMD [ARG...]")
        }
        let id = arguments.positionals[0]
        let execId = arguments.value("exec-id") ?? randomExecId()
        let tty = arguments.flag("tty")
        let forwardInput = tty || arguments.flag("interactive")
        var parameters: JSONObject = [
            "id": .string(id), "execId": .string(execId),
            "args": ContainerSpecOptions.strings(Array(arguments.positionals.dropFirst())),
            "tty": .bool(tty), "stdin": .bool(forwardInput),
        ]
        let environment = try ContainerSpecOptions.environment(arguments)
        if !environment.isEmpty {
            parameters["env"] = ContainerSpecOptions.strings(environment)
        }
        parameters["cwd"] = arguments.value("cwd").map { .string($0) }
        parameters["user"] = arguments.value("user").map { .string($0) }
        if tty {
            parameters["terminalSize"] = AttachedSession.terminalSize()
        }
        let control = try context.connect()
        if arguments.flag("detach") {
            _ = try control.call("io.contaird.Tasks.Exec", parameters)
            StandardStreams.printLine(execId)
            return 0
        }
        let session = AttachedSession(id: id, execId: execId, tty: tty,
                                      forwardInput: forwardInput, control: control)
        try session.prepare()
        defer { session.finish() }
        let (_, connection) = try context.connect().upgrade("io.contaird.Tasks.Exec", parameters)
        return try session.relayAndWait(connection)
    }

    /// "exec-" and 8 random hex digits.
    static func randomExecId() -> String {
        let digits = Array("0123456789abcdef")
        var id = "exec-"
        for _ in 0..<8 {
            id.append(digits[Int.random(in: 0..<16)])
        }
        return id
    }
}
