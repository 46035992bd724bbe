import SystemKit

extension Runtime {
    /// `runcs ps --format json`: the host pids of every process in the container's
    /// cgroup, sorted.
    public func processes(_ id: String) throws(RuntimeError) -> [Int32] {
        try StateStore.validate(id: id)
        let state = try store.load(id)
        if let pids = try ContainerCgroup.processes(state) {
            return pids
        }
        // Without a cgroup of its own, the init is all runcs can name.
        return store.status(of: state) == .stopped ? [] : [state.pid]
    }

    /// `runcs ps`'s table: runs the host's `ps` with `arguments` (`-ef` when empty) and
    /// keeps its header and the lines of the container's processes.
    public func processTable(_ id: String, arguments: [String]) throws(RuntimeError) -> String {
        let pids = Set(try processes(id))
        let result: Subprocess.Result
        do {
            result = try Subprocess.run(["ps"] + (arguments.isEmpty ? ["-ef"] : arguments))
        } catch {
            throw RuntimeError(.unavailable, "run ps: \(error)")
        }
        let output = String(decoding: result.output, as: UTF8.self)
        guard result.status == 0 else {
            let message = String(decoding: result.error, as: UTF8.self)
            throw RuntimeError(.invalidArgument,
                "ps exited with status \(result.status): \(message.trimmingNewlines)")
        }
        return try Self.filterProcessTable(output, keeping: pids)
    }

    /// The header of `ps` output `table` and those of its lines whose PID column holds
    /// one of `pids`.
    public static func filterProcessTable(_ table: String, keeping pids: Set<Int32>)
        throws(RuntimeError) -> String
    {
        let lines = table.split(separator: "\n", omittingEmptySubsequences: true)
        guard let header = lines.first,
              let column = header.split(separator: " ").firstIndex(of: "PID")
        else {
            throw RuntimeError(.invalidArgument, "ps printed no PID column")
        }
        var kept = [String(header)]
        for line in lines.dropFirst() {
            let fields = line.split(separator: " ")
            if column < fields.count, let pid = Int32(fields[column]), pids.contains(pid) {
                kept.append(String(line))
            }
        }
        return kept.joined(separator: "\n") + "\n"
    }
}

extension String {
    fileprivate var trimmingNewlines: String {
        var text = self
        while text.hasSuffix("\n") {
            text.removeLast()
        }
        return text
    }
}
