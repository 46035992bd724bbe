#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CommandLineKit
import Varlink

/// `ctrs run IMAGE ID [CMD [ARG...]]`: creates a container and runs its process, with
/// its output (and, with -i or -t, its input) carried from the very first byte:
/// Tasks.Start called with "upgrade" starts the process and streams it in one round
/// trip. ctrs ends with the process's exit status.
enum RunCommand: Command {
    static let names = ["run"]
    static let summary = "create a container from an image and run its process"
    static let usage = "[OPTIONS] IMAGE ID [CMD [ARG...]]"
    static let positionalLimit: Int? = 2
    static let options: [ArgumentParser.Option] = [
        .init("detach", "d", help: "start the container in the background and print its id"),
    ] + ContainerSpecOptions.options

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard arguments.positionals.count >= 2 else {
            throw UsageError("expected IMAGE ID [CMD [ARG...]]")
        }
        let image = arguments.positionals[0]
        let id = arguments.positionals[1]
        let command = Array(arguments.positionals.dropFirst(2))
        let spec = try ContainerSpecOptions.spec(image: image, command: command, arguments)
        let tty = arguments.flag("tty")
        let forwardInput = tty || arguments.flag("interactive")
        let control = try context.connect()

        var create: JSONObject = ["id": .string(id), "spec": .object(spec)]
        let labels = try ContainerSpecOptions.labels(arguments)
        if !labels.isEmpty {
            create["labels"] = .object(labels)
        }
        _ = try control.call("io.contaird.Containers.Create", create)

        if arguments.flag("detach") {
            try start(id, control, autoRemove: arguments.flag("rm")) { () throws(CtrsFailure) in
                _ = try control.call("io.contaird.Tasks.Start", ["id": .string(id)])
            }
            StandardStreams.printLine(id)
            return 0
        }

        // The upgraded connection carries only bytes: Resize, Kill and Wait go on `control`.
        let streaming = try context.connect()
        let session = AttachedSession(id: id, execId: nil, tty: tty,
                                      forwardInput: forwardInput, control: control)
        try session.prepare()
        defer { session.finish() }
        let connection = try start(id, control, autoRemove: arguments.flag("rm")) {
            () throws(CtrsFailure) in
            try streaming.upgrade(
                "io.contaird.Tasks.Start", ["id": .string(id), "stdin": .bool(forwardInput)]
            ).connection
        }
        let status = try session.relayAndWait(connection)
        if arguments.flag("rm") && session.endedBySignal == nil {
            awaitRemoval(id, control)
        }
        return status
    }

    /// Returns once the daemon has deleted the `--rm` container (it does so right after
    /// answering Wait), so that the id is free when ctrs ends; gives up after 5 s.
    static func awaitRemoval(_ id: String, _ control: DaemonConnection) {
        for _ in 0..<1000 {
            do {
                _ = try control.call("io.contaird.Containers.Get", ["id": .string(id)])
            } catch {
                return
            }
            usleep(5_000)
        }
    }

    /// Runs `body`, which starts the task; when that fails, a container made with
    /// `--rm` is deleted again, since it never ran.
    static func start<Started>(
        _ id: String, _ control: DaemonConnection, autoRemove: Bool,
        _ body: () throws(CtrsFailure) -> Started
    ) throws(CtrsFailure) -> Started {
        do {
            return try body()
        } catch {
            if autoRemove {
                _ = try? control.call("io.contaird.Containers.Delete",
                                      ["id": .string(id), "force": .bool(true)])
            }
            throw error
        }
    }
}
