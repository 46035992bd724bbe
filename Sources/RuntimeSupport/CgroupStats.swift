/// A snapshot of a cgroup's usage, shaped after the `stats` of runc's `events --stats`.
///
/// Times are nanoseconds, sizes bytes. A section is nil when its controller is not
/// available to the cgroup.
public struct CgroupStats: Sendable, Equatable {
    public var cpu: CPU?
    public var memory: Memory?
    public var pids: Pids?

    public init(cpu: CPU? = nil, memory: Memory? = nil, pids: Pids? = nil) {
        self.cpu = cpu
        self.memory = memory
        self.pids = pids
    }

    /// CPU time used and throttling suffered.
    public struct CPU: Sendable, Equatable {
        public var totalUsage: UInt64 = 0
        public var userUsage: UInt64 = 0
        public var systemUsage: UInt64 = 0
        /// Usage per CPU (v1 `cpuacct.usage_percpu`); empty on v2.
        public var perCPUUsage: [UInt64] = []
        public var periods: UInt64 = 0
        public var throttledPeriods: UInt64 = 0
        public var throttledTime: UInt64 = 0

        public init() {}
    }

    /// Memory in use and its limits.
    public struct Memory: Sendable, Equatable {
        public var usage: UInt64 = 0
        /// The hard limit; nil when unlimited.
        public var limit: UInt64?
        /// The highest usage seen (v1 `max_usage_in_bytes`, v2 `memory.peak`).
        public var maxUsage: UInt64 = 0
        /// Page cache (v1 `cache`, v2 `file` of memory.stat).
        public var cache: UInt64 = 0
        /// How often usage hit the limit (v1 `memory.failcnt`, v2 `max` of memory.events).
        public var failCount: UInt64 = 0
        /// Every counter of memory.stat, by its name there.
        public var raw: [String: UInt64] = [:]

        public init() {}
    }

    /// Tasks in the group.
    public struct Pids: Sendable, Equatable {
        public var current: UInt64 = 0
        /// The limit; nil when unlimited.
        public var limit: UInt64?

        public init(current: UInt64 = 0, limit: UInt64? = nil) {
            self.current = current
            self.limit = limit
        }
    }
}
