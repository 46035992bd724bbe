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
    /// A container's cgroup, made but not yet holding the init.
    struct Prepared {
        #if canImport(RuntimeSupport)
        let manager: CgroupManager
        #endif
        let path: String
        /// The cgroup's directory in each hierarchy, by the hierarchy's mount point.
        let directories: [String: String]
    }

    /// Creates the cgroup with the limits of `spec`, before there is a process to put in
    /// it, so that the init can be told its directories and the move can start at once.
    static func prepare(for spec: Spec, id: String) throws(RuntimeError) -> Prepared {
        let path = path(for: spec, id: id)
        #if canImport(RuntimeSupport)
        do {
            let manager = try CgroupManager(path: path)
            try manager.create(resources: resources(of: spec))
            var directories: [String: String] = [:]
            for directory in manager.directories {
                directories[directory.mountPoint] = directory.path
            }
            return Prepared(manager: manager, path: path, directories: directories)
        } catch {
            throw RuntimeError(.internal, "set up cgroup \"\(path)\": \(error)")
        }
        #else
        let resources = spec.linux?.resources
        if resources?.memory != nil || resources?.cpu != nil || resources?.pids != nil {
            Logger.shared.warning("cgroup limits ignored: runcs was built without cgroup support",
                                  ["id": id])
        }
        return Prepared(path: path, directories: [:])
        #endif
    }

    /// Moves `pid` into the prepared cgroup. The first move into a v1 cgroup waits for an
    /// RCU grace period in the kernel: callers overlap it with other work.
    static func add(_ pid: Int32, to prepared: Prepared) throws(RuntimeError) {
        #if canImport(RuntimeSupport)
        do {
            try prepared.manager.add(pid: pid)
        } catch {
            let path = prepared.path
            throw RuntimeError(.internal, "move pid \(pid) into cgroup \"\(path)\": \(error)")
        }
        #endif
    }

    /// Removes a prepared cgroup whose container never came to be.
    static func discard(_ prepared: Prepared) {
        #if canImport(RuntimeSupport)
        try? prepared.manager.destroy()
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
    /// config.json's `linux.resources` in the cgroup library's terms. The device rules
    /// are config.json's, then the devices every container gets, then the ones
    /// `linux.devices` creates: a container may use each node runcs makes for it.
    static func resources(of spec: Spec) -> CgroupResources {
        let linux = spec.linux?.resources
        var rules = (linux?.devices ?? []).map { rule in
            CgroupDeviceRule(allow: rule.allow, type: rule.type, major: rule.major,
                             minor: rule.minor, access: rule.access)
        }
        rules += CgroupDeviceRule.defaultAllowed
        rules += (spec.linux?.devices ?? []).map { device in
            CgroupDeviceRule(allow: true, type: device.type == "u" ? "c" : device.type,
                             major: device.major, minor: device.minor, access: "rwm")
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
