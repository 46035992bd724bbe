#if canImport(Glibc)
import Glibc
#endif
import RuntimeSupport
import SystemKit

/// The container's cgroup: the one place runcs talks to the cgroup library
/// (`RuntimeSupport.CgroupManager`), so that the runtime reads as lifecycle steps.
enum ContainerCgroup {
    /// The cgroup path a container uses: config.json's `cgroupsPath`, else `/runcs/<id>`.
    static func path(for spec: Spec, id: String) -> String {
        if let path = spec.linux?.cgroupsPath, !path.isEmpty {
            return path
        }
        return "/runcs/\(id)"
    }

    /// A container's cgroup, made but not yet holding the init.
    struct Prepared {
        let manager: CgroupManager
        let path: String
        /// The cgroup's directory in each hierarchy, by the hierarchy's mount point.
        let directories: [String: String]
    }

    /// Creates the cgroup with the limits of `spec`, before there is a process to put in
    /// it, so that the init can be told its directories and the move can start at once.
    ///
    /// A `rootless` runtime that may not make the cgroup goes on without one (nil), as
    /// runc does, unless `spec` sets limits, which it then cannot honour.
    static func prepare(for spec: Spec, id: String, rootless: @autoclosure () -> Bool,
                        logger: Logger) throws(RuntimeError) -> Prepared?
    {
        let path = path(for: spec, id: id)
        let prepared: Prepared
        do {
            let manager = try CgroupManager(path: path)
            try manager.create(resources: resources(of: spec))
            var directories: [String: String] = [:]
            for directory in manager.directories {
                directories[directory.mountPoint] = directory.path
            }
            prepared = Prepared(manager: manager, path: path, directories: directories)
        } catch {
            // Even a half-made cgroup goes.
            try? destroy(path: path)
            let refused = (error as? SystemError).map { [EACCES, EPERM, EROFS].contains($0.errno) }
            guard refused == true, rootless() else {
                throw RuntimeError(.internal, "set up cgroup \"\(path)\": \(error)")
            }
            if setsLimits(spec) {
                throw RuntimeError(.unavailable, "set up cgroup \"\(path)\": \(error); a rootless "
                    + "container gets linux.resources only in a cgroup delegated to its user")
            }
            logger.debug("rootless container runs without a cgroup of its own",
                         ["id": id, "cgroup": path, "error": error])
            return nil
        }
        try checkShared(prepared, id: id, logger: logger)
        return prepared
    }

    /// A cgroup that existed before may hold other processes, which the container's
    /// limits then cover too (a warning), or be frozen, which would stop the init before
    /// it could report (refused; the cgroup is left as it was found).
    static func checkShared(_ prepared: Prepared, id: String, logger: Logger)
        throws(RuntimeError)
    {
        if prepared.manager.isFreezeRequested {
            throw RuntimeError(.invalidState, "container's cgroup unexpectedly frozen: "
                + "\"\(prepared.path)\" is frozen; thaw it or choose another cgroupsPath")
        }
        let processes = (try? prepared.manager.processes()) ?? []
        if !processes.isEmpty {
            logger.warning("container's cgroup is not empty: its limits cover other processes",
                           ["id": id, "cgroup": prepared.path, "processes": processes.count])
        }
    }

    /// Whether `spec` sets memory, cpu or pids limits. Device rules do not count: a
    /// rootless container's devices are the host's nodes, bind-mounted, which the host's
    /// file permissions guard.
    static func setsLimits(_ spec: Spec) -> Bool {
        guard let resources = spec.linux?.resources else {
            return false
        }
        let memory = resources.memory.map { $0 != Spec.Memory() } ?? false
        let cpu = resources.cpu.map { $0 != Spec.CPU() } ?? false
        return memory || cpu || resources.pids != nil
    }

    /// Moves `pid` into the prepared cgroup. The first move into a v1 cgroup waits for an
    /// RCU grace period in the kernel: callers overlap it with other work.
    static func add(_ pid: Int32, to prepared: Prepared) throws(RuntimeError) {
        do {
            try prepared.manager.add(pid: pid)
        } catch {
            let path = prepared.path
            throw RuntimeError(.internal, "move pid \(pid) into cgroup \"\(path)\": \(error)")
        }
    }

    /// Removes a prepared cgroup whose container never came to be.
    static func discard(_ prepared: Prepared) {
        try? prepared.manager.destroy()
    }

    /// Removes the container's cgroup; processes must be gone.
    static func destroy(_ state: ContainerState) throws(RuntimeError) {
        guard let path = state.cgroupsPath else {
            return
        }
        try destroy(path: path)
    }

    /// Removes the cgroup at `path` in every hierarchy; a missing one is fine.
    static func destroy(path: String) throws(RuntimeError) {
        do {
            try CgroupManager(path: path).destroy()
        } catch {
            throw RuntimeError(.internal, "remove cgroup \"\(path)\": \(error)")
        }
    }

    /// Sends `signal` to every process in the container's cgroup. Returns false when the
    /// container has no cgroup of its own, so the caller signals the init alone.
    static func killAll(_ state: ContainerState, signal: Int32) throws(RuntimeError) -> Bool {
        guard let path = state.cgroupsPath else {
            return false
        }
        do {
            try CgroupManager(path: path).killAll(signal: signal)
            return true
        } catch {
            throw RuntimeError(.internal, "signal cgroup \"\(path)\": \(error)")
        }
    }

    /// Moves `pid` into the running container's cgroup, in every hierarchy its init was
    /// placed in; nothing when the container has no cgroup of its own.
    static func join(_ pid: Int32, to state: ContainerState, subCgroups: [String] = [])
        throws(RuntimeError)
    {
        guard let path = state.cgroupsPath else {
            if !subCgroups.isEmpty {
                throw RuntimeError(.invalidArgument,
                                   "exec --cgroup: container \"\(state.id)\" has no cgroup")
            }
            return
        }
        do {
            let selection = try SubCgroupSelection(arguments: subCgroups)
            if selection.isEmpty {
                try CgroupManager(path: path).add(pid: pid)
            } else {
                try CgroupManager(path: path).add(pid: pid, selection: selection)
            }
        } catch let error as CgroupError {
            throw RuntimeError(.invalidArgument, "\(error)")
        } catch {
            throw RuntimeError(.internal, "move pid \(pid) into cgroup \"\(path)\": \(error)")
        }
    }

    /// The host pids in the container's cgroup, sorted; nil when it has no cgroup of
    /// its own.
    static func processes(_ state: ContainerState) throws(RuntimeError) -> [Int32]? {
        guard let path = state.cgroupsPath else {
            return nil
        }
        do {
            return try CgroupManager(path: path).processes()
        } catch {
            throw RuntimeError(.internal, "list processes of cgroup \"\(path)\": \(error)")
        }
    }

    /// Whether the container is paused: its cgroup was told to freeze, even while a
    /// process that just joined it (an `exec --ignore-paused`) is not frozen yet.
    static func isPaused(_ state: ContainerState) -> Bool {
        guard let path = state.cgroupsPath, let manager = try? CgroupManager(path: path) else {
            return false
        }
        return manager.isFreezeRequested
    }

    /// The devices every container may use whatever its rules say, because the init
    /// creates them (`ContainerInit+Devices`): null, zero, full, random, urandom, tty,
    /// the console, ptmx and the pseudo-terminals of its devpts.
    static let defaultDevices: [CgroupDeviceRule] = [
        ("c", 1, 3), ("c", 1, 5), ("c", 1, 7), ("c", 1, 8), ("c", 1, 9), ("c", 5, 0),
        ("c", 5, 1), ("c", 5, 2), ("c", 136, nil),
    ].map { type, major, minor in
        CgroupDeviceRule(allow: true, type: type, major: major, minor: minor, access: "rwm")
    }

    /// config.json's `linux.resources` in the cgroup library's terms. The configured
    /// device rules come first, then access to the default devices: a "deny all" rule at
    /// the head of the list leaves them usable. A device of `linux.devices` is made in
    /// the container but usable only as the rules allow, as the spec keeps the two apart.
    /// Access letters other than r, w and m, which the kernel refuses, are passed over.
    static func resources(of spec: Spec) -> CgroupResources {
        let linux = spec.linux?.resources
        var rules = (linux?.devices ?? []).map { rule in
            CgroupDeviceRule(allow: rule.allow, type: rule.type, major: rule.major,
                             minor: rule.minor, access: rule.access?.filter { "rwm".contains($0) })
        }
        if !rules.isEmpty {
            rules += defaultDevices
        }
        var converted = cgroupResources(of: linux ?? Spec.Resources())
        converted.devices = rules
        return converted
    }
}
