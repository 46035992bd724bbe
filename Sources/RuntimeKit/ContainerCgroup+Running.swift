import RuntimeSupport
import SystemKit

/// What runcs does to the cgroup of a container that exists: pause and resume, new
/// limits, statistics.
extension ContainerCgroup {
    /// The manager of the container's cgroup; an error when it has none.
    static func manager(of state: ContainerState) throws(RuntimeError) -> CgroupManager {
        guard let path = state.cgroupsPath else {
            throw RuntimeError(.unavailable, "container \"\(state.id)\" has no cgroup")
        }
        do {
            return try CgroupManager(path: path)
        } catch {
            throw RuntimeError(.internal, "cgroup \"\(path)\": \(error)")
        }
    }

    /// Freezes every process of the container; returns once the kernel reports them
    /// frozen.
    static func freeze(_ state: ContainerState) throws(RuntimeError) {
        let manager = try manager(of: state)
        do {
            try manager.freeze()
        } catch {
            // A cgroup half-way to frozen would leave the container stuck.
            try? manager.thaw()
            throw RuntimeError(.internal, "freeze cgroup \"\(manager.path)\": \(error)")
        }
    }

    /// Lets the processes of a frozen container run again.
    static func thaw(_ state: ContainerState) throws(RuntimeError) {
        let manager = try manager(of: state)
        do {
            try manager.thaw()
        } catch {
            throw RuntimeError(.internal, "thaw cgroup \"\(manager.path)\": \(error)")
        }
    }

    /// Writes the limits `resources` sets into the live cgroup; others stay.
    static func update(_ state: ContainerState, to resources: Spec.Resources)
        throws(RuntimeError)
    {
        let manager = try manager(of: state)
        do {
            try manager.update(resources: cgroupResources(of: resources))
        } catch {
            throw RuntimeError(.internal, "update cgroup \"\(manager.path)\": \(error)")
        }
    }

    /// The cgroup's CPU, memory and pids counters.
    static func stats(_ state: ContainerState) throws(RuntimeError) -> CgroupStats {
        let manager = try manager(of: state)
        do {
            return try manager.stats()
        } catch {
            throw RuntimeError(.internal,
                               "read statistics of cgroup \"\(manager.path)\": \(error)")
        }
    }

    /// How many processes the kernel's OOM killer has killed in the cgroup; nil when
    /// the memory controller does not say.
    static func oomKills(_ state: ContainerState) -> UInt64? {
        (try? manager(of: state))?.oomKillCount()
    }

    /// `linux.resources` without its device rules (which `update` does not change), in
    /// the cgroup library's terms.
    static func cgroupResources(of resources: Spec.Resources) -> CgroupResources {
        CgroupResources(
            memoryLimit: resources.memory?.limit,
            memoryReservation: resources.memory?.reservation,
            memorySwap: resources.memory?.swap, cpuShares: resources.cpu?.shares,
            cpuQuota: resources.cpu?.quota, cpuPeriod: resources.cpu?.period,
            cpus: resources.cpu?.cpus, mems: resources.cpu?.mems,
            realtimeRuntime: resources.cpu?.realtimeRuntime,
            realtimePeriod: resources.cpu?.realtimePeriod,
            pidsLimit: resources.pids?.limit,
            hugepageLimits: Dictionary(
                (resources.hugepageLimits ?? []).map { ($0.pageSize, $0.limit) },
                uniquingKeysWith: { _, last in last }),
            unified: resources.unified ?? [:])
    }
}
