import CommandLineKit

/// The ctrs command line: global options, the table of commands, help, and the exit
/// status every failure maps to.
enum Ctrs {
    static var commands: [any Command.Type] {
        [
            RunCommand.self, StopCommand.self, LogsCommand.self, EventsCommand.self,
            InfoCommand.self, VersionCommand.self,
            ContainerCreateCommand.self, ContainerListCommand.self, ContainerInfoCommand.self,
            ContainerRemoveCommand.self,
            TaskStartCommand.self, TaskListCommand.self, TaskKillCommand.self,
            TaskWaitCommand.self, TaskProcessesCommand.self, TaskExecCommand.self,
            TaskAttachCommand.self, TaskPauseCommand.self, TaskResumeCommand.self,
            TaskMetricsCommand.self, TaskRemoveCommand.self,
            ImageImportCommand.self, ImagePullCommand.self, ImageListCommand.self,
            ImageInspectCommand.self, ImageTagCommand.self, ImageRemoveCommand.self,
            ImageExportCommand.self, ImageMountCommand.self, ImageUnmountCommand.self,
        ]
    }

    static let globalOptions: [ArgumentParser.Option] = [
        .init("socket", value: "PATH", help: "the daemon's socket (default: $CONTAIRD_SOCKET, "
            + "else \(DaemonConnection.defaultSocketPath))"),
        .init("help", "h", help: "show this help"),
        .init("version", "v", help: "print ctrs's version"),
    ]

    static let exitStatusHelp = """
        Exit status:
          run, task attach, task exec, task start -a and task wait end with the
          container process's exit status (128 + N when signal N killed it).
          ctrs's own failures follow Docker:
            125  ctrs failed, or the daemon refused or failed the request
            126  the container's command cannot be executed
            127  the container's command was not found
        """

    /// Runs ctrs with `arguments` (without the program name) and returns its exit status.
    static func main(_ arguments: [String]) -> Int32 {
        do {
            return try dispatch(arguments)
        } catch let failure as CtrsFailure {
            StandardStreams.printError(failure.message)
            return failure.exitStatus
        } catch let usage as UsageError {
            StandardStreams.printError(usage.description + "\nsee 'ctrs --help'")
            return CtrsFailure.clientOrDaemon
        } catch {
            StandardStreams.printError("\(error)")
            return CtrsFailure.clientOrDaemon
        }
    }

    static func dispatch(_ arguments: [String]) throws -> Int32 {
        // Global options come before the command's name.
        let global = try ArgumentParser(command: "ctrs", options: globalOptions,
                                        positionalLimit: 1).parse(arguments)
        if global.flag("version") {
            StandardStreams.printLine("ctrs version \(VersionCommand.clientVersion)")
            return 0
        }
        guard let first = global.positionals.first, !global.flag("help") else {
            StandardStreams.printLine(help)
            return global.flag("help") ? 0 : CtrsFailure.clientOrDaemon
        }
        if first == "help" {
            StandardStreams.printLine(help)
            return 0
        }
        var words = Array(global.positionals.dropFirst())
        let matches = commands.filter { $0.names[0] == first }
        guard !matches.isEmpty else {
            throw UsageError("unknown command '\(first)'")
        }
        let command: any Command.Type
        if matches.count == 1 && matches[0].names.count == 1 {
            command = matches[0]
        } else {
            guard let verb = words.first, !verb.hasPrefix("-") else {
                StandardStreams.printLine(groupHelp(first, matches))
                return words.isEmpty ? CtrsFailure.clientOrDaemon : 0
            }
            guard let found = matches.first(where: { $0.names[1] == verb
                    || $0.aliases.contains(verb) })
            else {
                throw UsageError("unknown command '\(first) \(verb)'")
            }
            command = found
            words.removeFirst()
        }

        let parser = ArgumentParser(
            command: "ctrs " + command.displayName,
            options: command.options + [.init("help", "h", help: "show this help")],
            positionalLimit: command.positionalLimit)
        let parsed = try parser.parse(words)
        if parsed.flag("help") {
            StandardStreams.printLine(commandHelp(command, parser))
            return 0
        }
        let context = CommandContext(socketPath: DaemonConnection.socketPath(
            option: global.value("socket")))
        return try command.run(parsed, context)
    }

    static var help: String {
        var lines = [
            "usage: ctrs [--socket PATH] COMMAND [OPTIONS] [ARGUMENTS]",
            "",
            "ctrs drives contaird, the container daemon, over its varlink socket.",
            "",
            "Commands:",
        ]
        let width = commands.map { $0.displayName.count }.max() ?? 0
        for command in commands {
            let name = command.displayName
            lines.append("  " + name + String(repeating: " ", count: width - name.count + 2)
                + command.summary)
        }
        lines += ["", "Global options:", ArgumentParser(command: "ctrs",
                                                          options: globalOptions).optionsHelp]
        lines += ["", exitStatusHelp, "", "Run 'ctrs COMMAND --help' for a command's options."]
        return lines.joined(separator: "\n")
    }

    static func groupHelp(_ group: String, _ members: [any Command.Type]) -> String {
        var lines = ["usage: ctrs \(group) COMMAND [OPTIONS] [ARGUMENTS]", "", "Commands:"]
        let width = members.map { $0.names[1].count }.max() ?? 0
        for command in members {
            let name = command.names[1]
            lines.append("  " + name + String(repeating: " ", count: width - name.count + 2)
                + command.summary)
        }
        return lines.joined(separator: "\n")
    }

    static func commandHelp(_ command: any Command.Type, _ parser: ArgumentParser) -> String {
        var lines = ["usage: ctrs \(command.displayName) \(command.usage)", "",
                     command.summary]
        if !command.aliases.isEmpty {
            lines.append("aliases: " + command.aliases.joined(separator: ", "))
        }
        lines += ["", "Options:", parser.optionsHelp]
        return lines.joined(separator: "\n")
    }
}
