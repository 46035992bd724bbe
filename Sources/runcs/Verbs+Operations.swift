#if canImport(Glibc)
import Glibc
#endif
import RuntimeKit
import SystemKit

/// The verbs that act on a container that exists (pause, resume, update, events) and
/// `features`.
extension Verbs {
    static func pause(_ arguments: [String], runtime: Runtime) throws -> Int32 {
        let parsed = try parse([], arguments)
        try runtime.pause(try onlyID(parsed, verb: "pause"))
        return 0
    }

    static func resume(_ arguments: [String], runtime: Runtime) throws -> Int32 {
        let parsed = try parse([], arguments)
        try runtime.resume(try onlyID(parsed, verb: "resume"))
        return 0
    }

    static let updateFlags: [CommandLineParser.Flag] = [
        .init("resources", "r", value: true), .init("memory", value: true),
        .init("memory-swap", value: true), .init("memory-reservation", value: true),
        .init("cpu-share", "cpu-shares", value: true), .init("cpu-quota", value: true),
        .init("cpu-period", value: true), .init("cpuset-cpus", value: true),
        .init("cpuset-mems", value: true), .init("pids-limit", value: true),
        .init("cpu-rt-period", value: true), .init("cpu-rt-runtime", value: true),
    ]

    /// `update`: the `--resources` file (or "-" for stdin) first, then each flag over it.
    static func update(_ arguments: [String], runtime: Runtime) throws -> Int32 {
        let parsed = try parse(updateFlags, arguments)
        let id = try onlyID(parsed, verb: "update")
        var resources = Spec.Resources()
        if let source = parsed.value("resources") {
            let bytes = source == "-" ? try FileDescriptor.standardInput.readToEnd()
                : try FileSystem.read(source)
            resources = try Runtime.parseResources(bytes)
        }

        var memory = resources.memory ?? Spec.Memory()
        if let text = parsed.value("memory") {
            memory.limit = try Runtime.parseByteSize(text)
        }
        if let text = parsed.value("memory-swap") {
            memory.swap = try Runtime.parseByteSize(text)
        }
        // An unlimited memory with no swap limit given lifts the swap limit too: v1
        // refuses a memory limit above the memory+swap limit in force.
        if memory.limit == -1 && memory.swap == nil {
            memory.swap = -1
        }
        if let text = parsed.value("memory-reservation") {
            memory.reservation = try Runtime.parseByteSize(text)
        }
        if memory != Spec.Memory() {
            resources.memory = memory
        }

        var cpu = resources.cpu ?? Spec.CPU()
        cpu.shares = try number(parsed, "cpu-share") ?? cpu.shares
        cpu.quota = try number(parsed, "cpu-quota") ?? cpu.quota
        cpu.period = try number(parsed, "cpu-period") ?? cpu.period
        cpu.cpus = parsed.value("cpuset-cpus") ?? cpu.cpus
        cpu.mems = parsed.value("cpuset-mems") ?? cpu.mems
        cpu.realtimePeriod = try number(parsed, "cpu-rt-period") ?? cpu.realtimePeriod
        cpu.realtimeRuntime = try number(parsed, "cpu-rt-runtime") ?? cpu.realtimeRuntime
        if cpu != Spec.CPU() {
            resources.cpu = cpu
        }

        if let limit: Int64 = try number(parsed, "pids-limit") {
            resources.pids = Spec.Pids(limit: limit)
        }
        try runtime.update(id, resources: resources)
        return 0
    }

    /// `events`: one stats line with `--stats`, else lines every `--interval` (5s by
    /// default) until the container stops.
    static func events(_ arguments: [String], runtime: Runtime) throws -> Int32 {
        let flags: [CommandLineParser.Flag] = [.init("stats"), .init("interval", value: true)]
        let parsed = try parse(flags, arguments)
        let id = try onlyID(parsed, verb: "events")
        if parsed.isSet("stats") {
            try writeLine(try runtime.statsEvent(id))
            return 0
        }
        let interval = try Runtime.parseDuration(parsed.value("interval") ?? "5s")
        try runtime.watchEvents(id, intervalMilliseconds: interval) { line in
            try? writeLine(line)
        }
        return 0
    }

    static func features(_ arguments: [String]) throws -> Int32 {
        _ = try parse([], arguments)
        try writeLine(Runtime.features(version: RuncsCommand.version).serialized(pretty: true))
        return 0
    }

    /// The integer value of flag `name`, if given.
    static func number<T: FixedWidthInteger>(_ parsed: CommandLineParser.Result, _ name: String)
        throws(RuntimeError) -> T?
    {
        guard let text = parsed.value(name) else {
            return nil
        }
        guard let value = T(text) else {
            throw RuntimeError(.invalidArgument, "invalid value \"\(text)\" for --\(name)")
        }
        return value
    }

    /// Writes `line` and a newline to stdout at once (stdio would buffer it in a pipe).
    static func writeLine(_ line: String) throws {
        try FileDescriptor.standardOutput.writeAll(line + "\n")
    }
}
