#if canImport(Glibc)
import Glibc
#endif
import SystemKit

extension Runtime {
    /// `runcs pause`: freezes every process of a running container (the v1 freezer, or
    /// cgroup.freeze on v2); `state` then says "paused".
    public func pause(_ id: String) throws(RuntimeError) {
        let lock = try store.lock(id)
        defer { lock.unlock() }
        let state = try store.load(id)
        guard store.status(of: state) == .running else {
            throw RuntimeError.notRunning(id)
        }
        try ContainerCgroup.freeze(state)
        logger.debug("container paused", ["id": id])
    }

    /// `runcs resume`: lets the processes of a paused container run again.
    public func resume(_ id: String) throws(RuntimeError) {
        let lock = try store.lock(id)
        defer { lock.unlock() }
        let state = try store.load(id)
        guard store.status(of: state) == .paused else {
            throw RuntimeError(.invalidState, "container \"\(id)\": container not paused")
        }
        try ContainerCgroup.thaw(state)
        logger.debug("container resumed", ["id": id])
    }
}
