import CommandLineKit

/// One verb of ctrs, such as `run` or `image pull`: its name, help and options, and
/// what it does with the parsed arguments. Each lives in its own file under Commands/.
protocol Command {
    /// The words that select the command, such as ["image", "ls"].
    static var names: [String] { get }
    /// Other spellings of the last word ("list" for "ls").
    static var aliases: [String] { get }
    static var summary: String { get }
    /// What follows the options in the usage line, such as "IMAGE ID [CMD [ARG...]]".
    static var usage: String { get }
    static var options: [ArgumentParser.Option] { get }
    /// Parsing stops after this many positionals (the rest belongs to the container).
    static var positionalLimit: Int? { get }

    /// Runs the command and returns ctrs's exit status.
    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> Int32
}

extension Command {
    static var aliases: [String] { [] }
    static var positionalLimit: Int? { nil }

    static var displayName: String { names.joined(separator: " ") }
}

/// What every command may need besides its arguments: where the daemon is.
struct CommandContext {
    let socketPath: String

    /// A new connection to the daemon.
    func connect() throws(CtrsFailure) -> DaemonConnection {
        try DaemonConnection(socketPath: socketPath)
    }
}

/// Options and argument checks shared by many commands.
enum CommonOptions {
    static let format = ArgumentParser.Option(
        "format", value: "FORMAT", help: "table (the default) or json")
    static let quiet = ArgumentParser.Option("quiet", "q", help: "print only the ids")

    /// Whether `--format json` was given; any other format but table is an error.
    static func wantsJSON(_ arguments: ParsedArguments) throws -> Bool {
        switch arguments.value("format") {
        case nil, "table": return false
        case "json": return true
        case let other?: throw UsageError("unknown format '\(other)': use table or json")
        }
    }

    /// The positionals, checked to be exactly `names` (for the message).
    static func exactly(_ names: [String], in arguments: ParsedArguments) throws -> [String] {
        guard arguments.positionals.count == names.count else {
            throw UsageError("expected \(names.joined(separator: " ")), got "
                + "\(arguments.positionals.count) argument(s)")
        }
        return arguments.positionals
    }

    /// At least one positional, named `name` in the message.
    static func atLeastOne(_ name: String, in arguments: ParsedArguments) throws -> [String] {
        guard !arguments.positionals.isEmpty else {
            throw UsageError("expected at least one \(name)")
        }
        return arguments.positionals
    }
}
