import RuntimeKit
import SystemKit

/// `exec` and `ps`: the verbs that reach into a running container, with runc's flags,
/// which containerd's shim (`exec --process F --console-socket S --detach --pid-file P
/// ID`) and conmon pass.
extension Verbs {
    static let execFlags: [CommandLineParser.Flag] = [
        .init("tty", "t"), .init("console-socket", value: true), .init("detach", "d"),
        .init("pid-file", value: true), .init("process", "p", value: true),
        .init("env", "e", value: true), .init("cwd", value: true),
        .init("user", "u", value: true), .init("additional-gids", "g", value: true),
        .init("cap", "c", value: true), .init("no-new-privs"),
        .init("preserve-fds", value: true), .init("ignore-paused"),
        .init("cgroup", value: true), .init("apparmor", value: true),
        .init("process-label", value: true),
    ]

    /// runcs's own failures end `exec` with 255, as runc's do: a status no process in
    /// the container returns by exiting, so a caller can tell them apart (a missing
    /// command included: its message names it, and callers such as podman map that to
    /// a shell's 127).
    static func exec(_ arguments: [String], runtime: Runtime) throws -> Int32 {
        do {
            return try execProcess(arguments, runtime: runtime)
        } catch let error as RuntimeError {
            throw RuntimeError(error.code, error.message, exitStatus: 255)
        } catch {
            throw RuntimeError(.internal, "\(error)", exitStatus: 255)
        }
    }

    static func execProcess(_ arguments: [String], runtime: Runtime) throws -> Int32 {
        let parsed = try CommandLineParser(execFlags).parse(arguments)
        guard let id = parsed.rest.first else {
            throw RuntimeError(.invalidArgument,
                               "exec: usage: runcs exec [options] ID COMMAND [ARGS...]")
        }
        var options = Runtime.ExecOptions()
        options.processPath = parsed.value("process")
        options.args = Array(parsed.rest.dropFirst())
        options.env = parsed.values["env"] ?? []
        options.cwd = parsed.value("cwd")
        if let user = parsed.value("user") {
            (options.uid, options.gid) = try parseUser(user)
        }
        options.additionalGids = try (parsed.values["additional-gids"] ?? []).map { text in
            guard let gid = UInt32(text) else {
                throw RuntimeError(.invalidArgument, "invalid --additional-gids \"\(text)\"")
            }
            return gid
        }
        options.addedCapabilities = parsed.values["cap"] ?? []
        options.tty = parsed.isSet("tty")
        options.noNewPrivileges = parsed.isSet("no-new-privs")
        options.consoleSocket = parsed.value("console-socket")
        options.detach = parsed.isSet("detach")
        options.pidFile = parsed.value("pid-file")
        options.preserveFDs = try preservedDescriptors(parsed)
        options.ignorePaused = parsed.isSet("ignore-paused")
        options.subCgroups = parsed.values["cgroup"] ?? []
        options.apparmorProfile = parsed.value("apparmor")
        options.processLabel = parsed.value("process-label")
        return try runtime.exec(id, options: options)
    }

    /// "UID" or "UID:GID", both numeric, as runc's exec takes them.
    static func parseUser(_ text: String) throws(RuntimeError) -> (UInt32, UInt32?) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, let uid = UInt32(parts[0]) else {
            throw RuntimeError(.invalidArgument, "invalid --user \"\(text)\": want UID[:GID]")
        }
        guard parts.count == 2 else {
            return (uid, nil)
        }
        guard let gid = UInt32(parts[1]) else {
            throw RuntimeError(.invalidArgument, "invalid --user \"\(text)\": want UID[:GID]")
        }
        return (uid, gid)
    }

    /// `--preserve-fds N`, a count of descriptors from 3 on.
    static func preservedDescriptors(_ parsed: CommandLineParser.Result)
        throws(RuntimeError) -> Int
    {
        guard let text = parsed.value("preserve-fds") else {
            return 0
        }
        guard let count = Int(text), count >= 0 else {
            throw RuntimeError(.invalidArgument, "invalid --preserve-fds \"\(text)\"")
        }
        return count
    }

    static func ps(_ arguments: [String], runtime: Runtime) throws -> Int32 {
        let parsed = try CommandLineParser([.init("format", "f", value: true)]).parse(arguments)
        guard let id = parsed.rest.first else {
            throw RuntimeError(.invalidArgument, "ps: usage: runcs ps [--format table|json] ID")
        }
        switch parsed.value("format") ?? "table" {
        case "json":
            let pids = try runtime.processes(id)
            print(JSONValue.array(pids.map { JSONValue.whole($0) }).serialized())
        case "table":
            let table = try runtime.processTable(id, arguments: Array(parsed.rest.dropFirst()))
            print(table, terminator: "")
        case let other:
            throw RuntimeError(.invalidArgument, "invalid format option \"\(other)\"")
        }
        return 0
    }
}
