#if canImport(Glibc)
import Glibc
#endif
import RuntimeKit
import SystemKit

/// One function per verb: parse its flags, call the runtime, print the result.
enum Verbs {
    static let createFlags: [CommandLineParser.Flag] = [
        .init("bundle", "b", value: true), .init("console-socket", value: true),
        .init("pid-file", value: true), .init("no-pivot"), .init("no-new-keyring"),
        .init("preserve-fds", value: true),
    ]

    static func spec(_ arguments: [String]) throws -> Int32 {
        let parsed = try parse([.init("bundle", "b", value: true),
                                            .init("rootless")], arguments)
        try Runtime.writeDefaultSpec(bundle: parsed.value("bundle") ?? ".",
                                     rootless: parsed.isSet("rootless"))
        return 0
    }

    static func create(_ arguments: [String], runtime: Runtime) throws -> Int32 {
        let parsed = try parse(createFlags, arguments)
        let id = try onlyID(parsed, verb: "create")
        _ = try runtime.create(id, options: createOptions(parsed))
        return 0
    }

    static func start(_ arguments: [String], runtime: Runtime) throws -> Int32 {
        let parsed = try parse([], arguments)
        try runtime.start(try onlyID(parsed, verb: "start"))
        return 0
    }

    static func run(_ arguments: [String], runtime: Runtime) throws -> Int32 {
        let flags = createFlags + [.init("detach", "d"), .init("keep")]
        let parsed = try parse(flags, arguments)
        let id = try onlyID(parsed, verb: "run")
        return try runtime.run(id, options: createOptions(parsed), detach: parsed.isSet("detach"),
                               keep: parsed.isSet("keep"))
    }

    static func state(_ arguments: [String], runtime: Runtime) throws -> Int32 {
        let parsed = try parse([], arguments)
        print(try runtime.state(try onlyID(parsed, verb: "state")).json
            .serialized(pretty: true, keyOrder: StateReport.keyOrder))
        return 0
    }

    static func list(_ arguments: [String], runtime: Runtime) throws -> Int32 {
        let parsed = try parse([.init("format", "f", value: true),
                                            .init("quiet", "q")], arguments)
        let containers = runtime.list()
        if parsed.isSet("quiet") {
            containers.forEach { print($0.id) }
            return 0
        }
        switch parsed.value("format") ?? "table" {
        case "json":
            // On one line, as runc prints it.
            print(JSONValue.array(containers.map(\.json))
                .serialized(keyOrder: StateReport.keyOrder))
        case "table":
            print(table(containers), terminator: "")
        case let other:
            throw RuntimeError(.invalidArgument, "invalid format option \"\(other)\"")
        }
        return 0
    }

    static func kill(_ arguments: [String], runtime: Runtime) throws -> Int32 {
        let parsed = try parse([.init("all", "a")], arguments)
        guard let id = parsed.rest.first, parsed.rest.count <= 2 else {
            throw RuntimeError(.invalidArgument, "kill: usage: runcs kill [--all] ID [SIGNAL]")
        }
        // No signal, or an empty one (as some callers pass it), is TERM, as with runc.
        let given = parsed.rest.count == 2 ? parsed.rest[1] : ""
        let signal = try Runtime.parseSignal(given.isEmpty ? "TERM" : given)
        try runtime.kill(id, signal: signal, all: parsed.isSet("all"))
        return 0
    }

    static func delete(_ arguments: [String], runtime: Runtime) throws -> Int32 {
        let parsed = try parse([.init("force", "f")], arguments)
        try runtime.delete(try onlyID(parsed, verb: "delete"), force: parsed.isSet("force"))
        return 0
    }

    static func createOptions(_ parsed: CommandLineParser.Result) throws -> Runtime.CreateOptions {
        var preserve = 0
        if let text = parsed.value("preserve-fds") {
            guard let count = Int(text), count >= 0 else {
                throw RuntimeError(.invalidArgument, "invalid --preserve-fds \"\(text)\"")
            }
            preserve = count
        }
        return Runtime.CreateOptions(
            bundle: parsed.value("bundle") ?? ".", pidFile: parsed.value("pid-file"),
            consoleSocket: parsed.value("console-socket"), noPivot: parsed.isSet("no-pivot"),
            preserveFDs: preserve)
    }

    /// The flags of a verb that takes ids and no command: they may also follow the ids,
    /// as runc's do.
    static func parse(_ flags: [CommandLineParser.Flag], _ arguments: [String])
        throws(RuntimeError) -> CommandLineParser.Result
    {
        try CommandLineParser(flags, flagsAfterArguments: true).parse(arguments)
    }

    /// The single container id a verb takes.
    static func onlyID(_ parsed: CommandLineParser.Result, verb: String)
        throws(RuntimeError) -> String
    {
        guard parsed.rest.count == 1 else {
            let count = parsed.rest.count
            throw RuntimeError(.invalidArgument,
                               "\(verb): expected exactly one container id, got \(count)")
        }
        return parsed.rest[0]
    }

    /// `list`'s table: left-aligned columns padded to the widest cell, like runc's.
    static func table(_ containers: [StateReport]) -> String {
        var rows = [["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]]
        for container in containers {
            rows.append([container.id, String(container.pid), container.status.rawValue,
                         container.bundle, container.created, container.owner])
        }
        var widths = [Int](repeating: 0, count: 6)
        for row in rows {
            for (index, cell) in row.enumerated() {
                widths[index] = max(widths[index], cell.count)
            }
        }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell
                    : cell + String(repeating: " ", count: widths[index] - cell.count + 3)
            }.joined()
        }.joined(separator: "\n") + "\n"
    }
}
