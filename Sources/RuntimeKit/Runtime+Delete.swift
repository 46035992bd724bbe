#if canImport(Glibc)
import Glibc
#endif
import SystemKit

extension Runtime {
    /// `runcs delete`: removes a stopped (or, with `force`, any) container: kills what
    /// is left of it, removes its cgroup and its state.
    public func delete(_ id: String, force: Bool) throws(RuntimeError) {
        let lock: ContainerLock
        do {
            lock = try store.lock(id)
        } catch {
            // runc's --force succeeds on a container that is already gone.
            if force && error.code == .notFound {
                return
            }
            throw error
        }
        defer { lock.unlock() }
        let state: ContainerState
        do {
            state = try store.load(id)
        } catch where error.code == .notFound {
            // A directory without state is a create that died half-way: clean it up.
            try store.remove(id)
            return
        } catch {
            // Unreadable state names no process or cgroup to clean up: removing it would
            // leave whatever runs unmanaged for good. Even --force leaves it to a person.
            throw RuntimeError(error.code, "cannot delete container \"\(id)\": \(error.message); "
                + "its processes and cgroups are unknown, so its state directory "
                + "\(store.directory(of: id)) stays until they are stopped and it is removed "
                + "by hand")
        }
        let status = store.status(of: state)
        switch status {
        case .stopped:
            killLeftovers(state)
        case .created:
            terminate(state)
        case .running, .paused, .creating:
            guard force else {
                throw RuntimeError(.invalidState,
                    "cannot delete container \"\(id)\" that is not stopped: \(status.rawValue)")
            }
            terminate(state)
        }
        try ContainerCgroup.destroy(state)
        if state.mountsInOurNamespace == true {
            removeMounts(below: state.rootfs, id: id)
        }
        try store.remove(id)
        logger.debug("container deleted", ["id": id])
        if state.hooks?.hooks(.poststop).isEmpty == false {
            let stopped = StateReport(state, status: .stopped).json
            runHooksWarning(.poststop, state.hooks, state: stopped, id: id)
        }
    }

    /// SIGKILLs what is left in the cgroup of a container whose init has exited. In a
    /// pid namespace of its own the init took every process with it; in the host's (or
    /// another container's) pid namespace its children outlive it and would keep the
    /// cgroup from being removed. runc kills them the same way.
    func killLeftovers(_ state: ContainerState) {
        guard let left = try? ContainerCgroup.processes(state), !left.isEmpty else {
            return
        }
        logger.debug("killing processes left in the cgroup",
                     ["id": state.id, "count": left.count])
        _ = try? ContainerCgroup.killAll(state, signal: SIGKILL)
    }

    /// Detaches the mounts a container without a mount namespace of its own left in
    /// ours, below its rootfs; a failure is logged, the rest of the cleanup goes on.
    func removeMounts(below rootfs: String, id: String) {
        do {
            let root = try MountTable.realPath(rootfs)
            let points = try MountTable.entries().map(\.point).filter { point in
                point != root && MountTable.isBelow(point, root)
            }
            try MountTable.detach(points)
        } catch {
            logger.warning("mounts below rootfs \(rootfs) left: \(error)", ["id": id])
        }
    }

    /// SIGKILLs the container's processes and waits until the init is gone.
    func terminate(_ state: ContainerState) {
        if (try? ContainerCgroup.killAll(state, signal: SIGKILL)) != true {
            Glibc.kill(state.pid, SIGKILL)
        }
        HostProcess.waitForExit(state.pid)
    }
}
