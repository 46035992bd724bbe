extension CgroupStats {
    /// The statistics as the `data` object of runc's `events --stats` lines: `cpu`
    /// (usage total/percpu/kernel/user, throttling), `memory` (cache, usage with limit,
    /// max and failcnt, raw counters) and `pids` (current, limit). An unlimited memory
    /// limit prints as the largest 64-bit number and an unlimited pids limit as 0, as
    /// runc prints them.
    public var runcJSON: String {
        var sections: [String] = []
        if let cpu {
            let perCPU = cpu.perCPUUsage.map(String.init).joined(separator: ",")
            sections.append(
                "\"cpu\":{\"usage\":{\"total\":\(cpu.totalUsage),\"percpu\":[\(perCPU)],"
                    + "\"kernel\":\(cpu.systemUsage),\"user\":\(cpu.userUsage)},"
                    + "\"throttling\":{\"periods\":\(cpu.periods),"
                    + "\"throttled_periods\":\(cpu.throttledPeriods),"
                    + "\"throttled_time\":\(cpu.throttledTime)}}")
        }
        if let memory {
            let raw = memory.raw.sorted { $0.key < $1.key }
                .map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",")
            sections.append(
                "\"memory\":{\"cache\":\(memory.cache),\"usage\":{"
                    + "\"limit\":\(memory.limit ?? UInt64.max),\"usage\":\(memory.usage),"
                    + "\"max\":\(memory.maxUsage),\"failcnt\":\(memory.failCount)},"
                    + "\"raw\":{\(raw)}}")
        }
        if let pids {
            sections.append("\"pids\":{\"current\":\(pids.current),\"limit\":\(pids.limit ?? 0)}")
        }
        return "{" + sections.joined(separator: ",") + "}"
    }
}
