#if canImport(Glibc)
import Glibc
#endif
import CRuntime
import SystemKit

extension Runtime {
    /// `runcs events --stats`: the container's cgroup statistics as one line of runc's
    /// event format, `{"type":"stats","id":ID,"data":{"cpu":…,"memory":…,"pids":…}}`.
    public func statsEvent(_ id: String) throws(RuntimeError) -> String {
        try StateStore.validate(id: id)
        let state = try store.load(id)
        guard store.status(of: state) != .stopped else {
            throw RuntimeError.notRunning(id)
        }
        return Self.event("stats", id: id, data: try ContainerCgroup.stats(state).runcJSON)
    }

    /// `runcs events`: a stats line every `intervalMilliseconds`, and an `oom` line
    /// whenever the kernel's OOM killer has killed a process of the container, each
    /// handed to `emit`, until the container stops.
    public func watchEvents(_ id: String, intervalMilliseconds: Int64,
                            emit: (String) -> Void) throws(RuntimeError) {
        try StateStore.validate(id: id)
        let state = try store.load(id)
        guard store.status(of: state) != .stopped else {
            throw RuntimeError.notRunning(id)
        }
        // Readable once the init has exited; without pidfds the loop looks every tick.
        let exitFD = cruntime_pidfd_open(state.pid)
        defer { if exitFD >= 0 { close(exitFD) } }
        // The OOM counter is a cheap read, looked at more often than the statistics.
        let tick = min(intervalMilliseconds, 250)
        var oomKills = ContainerCgroup.oomKills(state)
        var nextStats = Self.monotonicMilliseconds() + intervalMilliseconds
        while true {
            // Looked at once more after the end: the OOM killer may have ended it.
            let kills = ContainerCgroup.oomKills(state)
            if let kills, kills > (oomKills ?? 0) {
                emit(Self.event("oom", id: id, data: nil))
            }
            oomKills = kills ?? oomKills
            guard HostProcess.isAlive(state.pid, startTime: state.initStartTime) else {
                return
            }

            let now = Self.monotonicMilliseconds()
            if now >= nextStats {
                // The cgroup goes with the container: a failed read ends the watch.
                guard let stats = try? ContainerCgroup.stats(state) else {
                    return
                }
                emit(Self.event("stats", id: id, data: stats.runcJSON))
                let missed = (now - nextStats) / intervalMilliseconds
                nextStats += intervalMilliseconds * (missed + 1)
            }
            var poller = pollfd(fd: exitFD, events: Int16(POLLIN), revents: 0)
            _ = poll(&poller, 1, Int32(min(tick, max(0, nextStats - now))))
        }
    }

    /// Milliseconds on the monotonic clock, for deadlines and intervals.
    static func monotonicMilliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }

    /// One event line: `{"type":TYPE,"id":ID}` with `"data":DATA` when there is some.
    static func event(_ type: String, id: String, data: String?) -> String {
        let quotedID = JSONValue.string(id).serialized()
        let tail = data.map { ",\"data\":\($0)" } ?? ""
        return "{\"type\":\"\(type)\",\"id\":\(quotedID)\(tail)}"
    }

    /// A duration as Go writes it ("5s", "250ms", "1m30s", "1.5h"), in milliseconds;
    /// what `events --interval` takes, as in runc. Must be above zero.
    public static func parseDuration(_ text: String) throws(RuntimeError) -> Int64 {
        let units: [(String, Double)] = [
            ("ns", 1e-6), ("us", 1e-3), ("µs", 1e-3), ("ms", 1), ("s", 1000), ("m", 60_000),
            ("h", 3_600_000),
        ]
        var rest = Substring(text)
        var total = 0.0
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isNumber || $0 == "." }
            rest = rest.dropFirst(digits.count)
            let unitText = rest.prefix { !$0.isNumber && $0 != "." }
            rest = rest.dropFirst(unitText.count)
            guard let number = Double(digits),
                  let unit = units.first(where: { $0.0 == unitText }) else {
                throw RuntimeError(.invalidArgument, "invalid duration \"\(text)\"")
            }
            total += number * unit.1
        }
        guard total >= 1 else {
            throw RuntimeError(.invalidArgument,
                               "duration \"\(text)\" must be at least one millisecond")
        }
        return Int64(total)
    }
}
