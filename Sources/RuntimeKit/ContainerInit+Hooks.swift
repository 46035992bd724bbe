#if canImport(Glibc)
import Glibc
#endif
import SystemKit

extension ContainerInit {
    /// Before pivot_root, with every mount in place: the parent runs the prestart and
    /// createRuntime hooks in the runtime's namespaces while we wait, then we run the
    /// createContainer hooks in the container's namespaces, where host paths still
    /// resolve (the root is not changed yet).
    func runCreateHooks() throws {
        guard let hooks = spec.hooks else {
            return
        }
        if hooks.runsInRuntimeDuringCreate {
            try sync.send(.runHooks)
            try awaitHooksDone()
        }
        let createContainer = hooks.hooks(.createContainer)
        guard !createContainer.isEmpty else {
            return
        }
        // In the container's cgroup, like everything the container starts, and in its
        // root directory (which becomes "/" next), so that relative paths name its files.
        try awaitCgroup()
        try check("chdir", plan.rootfs) { chdir(plan.rootfs) }
        try HookRunner(kind: .createContainer).run(createContainer, state: hookState(.created))
    }

    /// Once `start` has opened the exec fifo, inside the container (paths resolve in its
    /// root), before the user's process is executed.
    func runStartHooks() throws {
        guard let hooks = spec.hooks?.hooks(.startContainer), !hooks.isEmpty else {
            return
        }
        try HookRunner(kind: .startContainer).run(hooks, state: hookState(.created))
    }

    /// The state document the parent put in the plan, with `status`.
    func hookState(_ status: ContainerStatus) -> JSONValue {
        guard case .object(var fields) = plan.hookState else {
            return .null
        }
        fields["status"] = .string(status.rawValue)
        return .object(fields)
    }

    /// Waits for the parent's word that its hooks ran; the cgroup confirmation may come
    /// first and is noted.
    func awaitHooksDone() throws {
        while true {
            switch try sync.receive() {
            case .joined:
                cgroupJoin.isDone = true
            case .hooksDone:
                return
            default:
                throw RuntimeError(.internal, "init: the parent did not run the create hooks")
            }
        }
    }
}
