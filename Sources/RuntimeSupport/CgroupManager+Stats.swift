import SystemKit

extension CgroupManager {
    /// Reads the cgroup's CPU, memory and pids counters.
    public func stats() throws -> CgroupStats {
        if isUnified {
            return try unifiedStats(directories[0].path)
        }
        return try legacyStats()
    }

    private func legacyStats() throws -> CgroupStats {
        var stats = CgroupStats()

        if let cpuacct = directory(for: "cpuacct")?.path {
            var cpu = CgroupStats.CPU()
            cpu.totalUsage = try readNumber(cpuacct + "/cpuacct.usage") ?? 0
            if FileSystem.exists(cpuacct + "/cpuacct.usage_user") {
                cpu.userUsage = try readNumber(cpuacct + "/cpuacct.usage_user") ?? 0
                cpu.systemUsage = try readNumber(cpuacct + "/cpuacct.usage_sys") ?? 0
            } else {
                // cpuacct.stat counts clock ticks (USER_HZ, 100 on Linux).
                let ticks = try counters(cpuacct + "/cpuacct.stat")
                cpu.userUsage = (ticks["user"] ?? 0) * 10_000_000
                cpu.systemUsage = (ticks["system"] ?? 0) * 10_000_000
            }
            cpu.perCPUUsage = try words(cpuacct + "/cpuacct.usage_percpu").compactMap {
                UInt64($0)
            }
            if let cpuDirectory = directory(for: "cpu")?.path {
                let throttling = try counters(cpuDirectory + "/cpu.stat")
                cpu.periods = throttling["nr_periods"] ?? 0
                cpu.throttledPeriods = throttling["nr_throttled"] ?? 0
                cpu.throttledTime = throttling["throttled_time"] ?? 0
            }
            stats.cpu = cpu
        }

        if let memoryDirectory = directory(for: "memory")?.path {
            var memory = CgroupStats.Memory()
            memory.usage = try readNumber(memoryDirectory + "/memory.usage_in_bytes") ?? 0
            memory.maxUsage = try readNumber(memoryDirectory + "/memory.max_usage_in_bytes") ?? 0
            let limit = try readNumber(memoryDirectory + "/memory.limit_in_bytes")
            // v1 reports "unlimited" as the largest page-aligned signed 64-bit number.
            memory.limit = limit.flatMap { $0 >= (1 << 62) ? nil : $0 }
            memory.raw = try counters(memoryDirectory + "/memory.stat")
            memory.cache = memory.raw["cache"] ?? 0
            memory.failCount = try readNumber(memoryDirectory + "/memory.failcnt") ?? 0
            stats.memory = memory
        }

        if let pidsDirectory = directory(for: "pids")?.path {
            var pids = CgroupStats.Pids()
            pids.current = try readNumber(pidsDirectory + "/pids.current") ?? 0
            pids.limit = try readNumber(pidsDirectory + "/pids.max")
            stats.pids = pids
        }
        return stats
    }

    private func unifiedStats(_ cgroup: String) throws -> CgroupStats {
        var stats = CgroupStats()

        // cpu.stat's usage lines are kept by the core even without the cpu controller;
        // the throttling lines come with it.
        let cpuCounters = try counters(cgroup + "/cpu.stat")
        var cpu = CgroupStats.CPU()
        cpu.totalUsage = (cpuCounters["usage_usec"] ?? 0) * 1000
        cpu.userUsage = (cpuCounters["user_usec"] ?? 0) * 1000
        cpu.systemUsage = (cpuCounters["system_usec"] ?? 0) * 1000
        cpu.periods = cpuCounters["nr_periods"] ?? 0
        cpu.throttledPeriods = cpuCounters["nr_throttled"] ?? 0
        cpu.throttledTime = (cpuCounters["throttled_usec"] ?? 0) * 1000
        stats.cpu = cpu

        if FileSystem.exists(cgroup + "/memory.current") {
            var memory = CgroupStats.Memory()
            memory.usage = try readNumber(cgroup + "/memory.current") ?? 0
            memory.limit = try readNumber(cgroup + "/memory.max")
            if FileSystem.exists(cgroup + "/memory.peak") {
                memory.maxUsage = try readNumber(cgroup + "/memory.peak") ?? 0
            }
            memory.raw = try counters(cgroup + "/memory.stat")
            memory.cache = memory.raw["file"] ?? 0
            memory.failCount = try counters(cgroup + "/memory.events")["max"] ?? 0
            stats.memory = memory
        }

        if FileSystem.exists(cgroup + "/pids.current") {
            var pids = CgroupStats.Pids()
            pids.current = try readNumber(cgroup + "/pids.current") ?? 0
            pids.limit = try readNumber(cgroup + "/pids.max")
            stats.pids = pids
        }
        return stats
    }

    /// How many processes the OOM killer has killed in the cgroup (`oom_kill` of v1
    /// `memory.oom_control`, v2 `memory.events`); nil without a memory controller or on
    /// a kernel that does not count them.
    public func oomKillCount() -> UInt64? {
        let file: String
        if isUnified {
            file = directories[0].path + "/memory.events"
        } else if let memoryDirectory = directory(for: "memory")?.path {
            file = memoryDirectory + "/memory.oom_control"
        } else {
            return nil
        }
        return (try? counters(file))?["oom_kill"]
    }

    /// The "name value" lines of a file such as memory.stat or cpu.stat.
    func counters(_ file: String) throws -> [String: UInt64] {
        var result: [String: UInt64] = [:]
        for line in try FileSystem.readText(file).split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let value = UInt64(parts[1]) {
                result[String(parts[0])] = value
            }
        }
        return result
    }
}
