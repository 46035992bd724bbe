extension Runtime {
    /// The state document a hook reads on stdin while there is no state.json yet
    /// (create) or none any more (a create that failed).
    static func hookState(of spec: Spec, id: String, pid: Int32, bundle: String,
                          rootfs: String, status: ContainerStatus) -> JSONValue {
        let state = ContainerState(
            ociVersion: spec.ociVersion, id: id, pid: pid, initStartTime: 0, bundle: bundle,
            rootfs: rootfs, created: now(), owner: ownerName(), annotations: spec.annotations,
            cgroupsPath: nil)
        return StateReport(state, status: status).json
    }

    /// The prestart hooks, then the createRuntime hooks, in the runtime's namespaces,
    /// while the init waits before pivot_root.
    static func runCreateHooks(_ hooks: Spec.Hooks?, state: JSONValue) throws(RuntimeError) {
        try HookRunner(kind: .prestart).run(hooks?.hooks(.prestart) ?? [], state: state)
        try HookRunner(kind: .createRuntime).run(hooks?.hooks(.createRuntime) ?? [], state: state)
    }

    /// The poststart or poststop hooks, every one of them: a failure is logged as a
    /// warning and the operation goes on, as the specification says.
    func runHooksWarning(_ kind: HookKind, _ hooks: Spec.Hooks?, state: JSONValue,
                         id: String) {
        guard let hooks = hooks?.hooks(kind), !hooks.isEmpty else {
            return
        }
        for warning in HookRunner(kind: kind).runAll(hooks, state: state) {
            logger.warning(warning, ["id": id])
        }
    }
}

extension Spec.Hooks {
    /// The hooks the runtime runs after create, which state.json keeps.
    var afterCreate: Spec.Hooks? {
        let kept = Spec.Hooks(poststart: poststart, poststop: poststop)
        return kept == Spec.Hooks() ? nil : kept
    }
}
