/// The resource limits of a container's cgroup, as OCI `linux.resources` states them.
///
/// A nil field leaves the kernel's current value alone, and so do a zero number and an
/// empty list, which configs write for fields they do not set. Values keep the OCI meaning on both
/// cgroup versions; `CgroupManager` converts them for cgroup v2 (`cpuShares` becomes
/// `cpu.weight`, `memorySwap`, which counts memory plus swap, becomes `memory.swap.max`).
public struct CgroupResources: Sendable, Equatable {
    /// Hard memory limit in bytes; -1 means unlimited.
    public var memoryLimit: Int64?
    /// Soft memory limit in bytes (v1 `memory.soft_limit_in_bytes`, v2 `memory.low`).
    public var memoryReservation: Int64?
    /// Limit of memory plus swap in bytes; -1 means unlimited.
    public var memorySwap: Int64?
    /// Relative CPU weight (v1 `cpu.shares`, 2 to 262144).
    public var cpuShares: UInt64?
    /// CPU time in microseconds the group may use per period; -1 means unlimited.
    public var cpuQuota: Int64?
    /// Length of a CPU period in microseconds.
    public var cpuPeriod: UInt64?
    /// The CPUs the group may run on, in the kernel's list format ("0-3,6").
    public var cpus: String?
    /// The memory nodes the group may allocate from, in list format.
    public var mems: String?
    /// cpu.rt_runtime_us and cpu.rt_period_us (v1 only).
    public var realtimeRuntime: Int64?
    public var realtimePeriod: UInt64?
    /// The largest number of tasks; a negative value means unlimited.
    public var pidsLimit: Int64?
    /// Device access rules, applied in order.
    public var devices: [CgroupDeviceRule]
    /// Limits of huge page use in bytes, by page size as the kernel names it ("2MB").
    public var hugepageLimits: [String: UInt64]
    /// cgroup v2 interface files to write as they are (`linux.resources.unified`): file
    /// name → value. A v1 machine refuses them.
    public var unified: [String: String]

    public init(
        memoryLimit: Int64? = nil,
        memoryReservation: Int64? = nil,
        memorySwap: Int64? = nil,
        cpuShares: UInt64? = nil,
        cpuQuota: Int64? = nil,
        cpuPeriod: UInt64? = nil,
        cpus: String? = nil,
        mems: String? = nil,
        realtimeRuntime: Int64? = nil,
        realtimePeriod: UInt64? = nil,
        pidsLimit: Int64? = nil,
        devices: [CgroupDeviceRule] = [],
        hugepageLimits: [String: UInt64] = [:],
        unified: [String: String] = [:]
    ) {
        self.memoryLimit = memoryLimit
        self.memoryReservation = memoryReservation
        self.memorySwap = memorySwap
        self.cpuShares = cpuShares
        self.cpuQuota = cpuQuota
        self.cpuPeriod = cpuPeriod
        self.cpus = cpus
        self.mems = mems
        self.realtimeRuntime = realtimeRuntime
        self.realtimePeriod = realtimePeriod
        self.pidsLimit = pidsLimit
        self.devices = devices
        self.hugepageLimits = hugepageLimits
        self.unified = unified
    }
}

extension CgroupResources {
    /// The resources with the values that mean "not set" in configs turned into nil:
    /// zero memory limit, shares, quota, period and pids limit, and empty cpu or memory
    /// node lists. Supervisors write such zeros for fields they leave alone (runc reads
    /// them the same way), and writing them would, for instance, empty a v1 cpuset so
    /// that no process could join it.
    var withUnsetValuesRemoved: CgroupResources {
        var settled = self
        if memoryLimit == 0 { settled.memoryLimit = nil }
        if memoryReservation == 0 { settled.memoryReservation = nil }
        if memorySwap == 0 { settled.memorySwap = nil }
        if cpuShares == 0 { settled.cpuShares = nil }
        if cpuQuota == 0 { settled.cpuQuota = nil }
        if cpuPeriod == 0 { settled.cpuPeriod = nil }
        if cpus?.isEmpty == true { settled.cpus = nil }
        if mems?.isEmpty == true { settled.mems = nil }
        if pidsLimit == 0 { settled.pidsLimit = nil }
        return settled
    }
}
