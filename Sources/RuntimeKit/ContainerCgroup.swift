#if canImport(RuntimeSupport)
import RuntimeSupport
#endif
import SystemKit

/// The container's cgroup: the one place runcs talks to the cgroup library
/// (`RuntimeSupport.CgroupManager`), so that the runtime reads as lifecycle steps.
///
/// A build without RuntimeSupport places nothing in cgroups and says so in a warning
/// whenever config.json asks for a limit.
enum ContainerCgroup {
    /// Whether this build places containers in cgroups (it links RuntimeSupport).
    static var isManaged: Bool {
        #if canImport(RuntimeSupport)
        true
        #else
        false
        #endif
    }

    /// The cgroup path a container uses: config.json's `cgroupsPath`, else `/runcs/<id>`.
    static func path(for spec: Spec, id: String) -> String {
        if let path = spec.linux?.cgroupsPath, !path.isEmpty {
            return path
        }
        return "/runcs/\(id)"
    }

    /// Creates the cgroup with the limits of `spec` and moves `pid` into it.
    static func create(for spec: Spec, id: String, pid: Int32) throws(RuntimeError) {
        #if canImport(RuntimeSupport)
        do {
            let manager = try CgroupManager(path: path(for: spec, id: id))
            try manager.create(resources: resources(of: spec))
            try manager.add(pid: pid)
        } catch {
            throw RuntimeError(.internal, "set up cgroup \"\(path(for: spec, id: id))\": \(error)")
        }
        #else
        let resources = spec.linux?.resources
        if resources?.memory != nil || resources?.cpu != nil || resources?.pids != nil {
            Logger.shared.warning("cgroup limits ignored: runcs was built without cgroup support",
                                  ["id": id])
        }
        #endif
    }

    /// Removes the container's cgroup; processes must be gone.
    static func destroy(_ state: ContainerState) throws(RuntimeError) {
        #if canImport(RuntimeSupport)
        guard let path = state.cgroupsPath else {
            return
        }
        do {
            try CgroupManager(path: path).destroy()
        } catch {
            throw RuntimeError(.internal, "remove cgroup \"\(path)\": \(error)")
        }
        #endif
    }

    /// Sends `signal` to every process in the container's cgroup. Returns false when
    /// this build cannot enumerate them, so the caller signals the init alone.
    static func killAll(_ state: ContainerState, signal: Int32) throws(RuntimeError) -> Bool {
        #if canImport(RuntimeSupport)
        guard let path = state.cgroupsPath else {
            return false
        }
        do {
            try CgroupManager(path: path).killAll(signal: signal)
            return true
        } catch {
            throw RuntimeError(.internal, "signal cgroup \"\(path)\": \(error)")
        }
        #else
        return false
        #endif
    }

    /// Whether the container's cgroup is frozen (paused).
    static func isFrozen(_ state: ContainerState) -> Bool {
        #if canImport(RuntimeSupport)
        guard let path = state.cgroupsPath, let manager = try? CgroupManager(path: path) else {
            return false
        }
        return manager.isFrozen
        #else
        return false
        #endif
    }

    #if canImport(RuntimeSupport)
    /// config.json's `linux.resources` in the cgroup library's terms.
    static func resources(of spec: Spec) -> CgroupResources {
        let linux = spec.linux?.resources
        let rules = (linux?.devices ?? []).map { rule in
            CgroupDeviceRule(allow: rule.allow, type: rule.type, major: rule.major,
                             minor: rule.minor, access: rule.access)
        }
        return CgroupResources(
            memoryLimit: linux?.memory?.limit, memoryReservation: linux?.memory?.reservation,
            memorySwap: linux?.memory?.swap, cpuShares: linux?.cpu?.shares,
            cpuQuota: linux?.cpu?.quota, cpuPeriod: linux?.cpu?.period,
            cpus: linux?.cpu?.cpus, mems: linux?.cpu?.mems, pidsLimit: linux?.pids?.limit,
            devices: rules)
    }
    #endif
}
