#if canImport(Glibc)
import Glibc
#endif
import CRuntime
import CShim
import SystemKit

extension ContainerInit {
    /// The init of `runcs exec`: a further process in a running container. The clone
    /// child has joined the container's other namespaces (its pid namespace by the
    /// parent, before the clone) and sits in a private copy of the host's mount
    /// namespace, holding the read-only bind of runcs it was executed from. Here it
    /// joins the container's mount namespace, then takes the same identity steps as the
    /// container's first process, and execs without waiting for anyone.
    func runExec() throws {
        guard let mountNamespace else {
            throw RuntimeError(.internal, "init: the parent sent no mount namespace")
        }

        // libseccomp is loaded from the host's filesystem, which the join below leaves.
        let seccomp = try compileSeccomp()

        // Joining a mount namespace needs a single-threaded caller, which the init is;
        // it also moves our root and cwd to the namespace's root: the container's root,
        // which pivot_root (or the move of the rootfs onto "/") stacked on top of it.
        try check("setns(CLONE_NEWNS)", "mount namespace") {
            cruntime_setns(mountNamespace, CLONE_NEWNS)
        }
        close(mountNamespace)

        try setUpTerminal()
        try applyLimits()
        // As for the first process: paths and newer calls before the seccomp filter.
        let executable = try prepareExec()
        try plan.securityLabels.applyAtExec()
        try becomeTheProcess(seccomp: seccomp)

        Self.setName("runcs:exec")
        exec(executable, seccomp: seccomp)
    }
}
