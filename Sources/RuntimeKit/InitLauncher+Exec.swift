#if canImport(Glibc)
import Glibc
#endif
import SystemKit

extension InitLauncher {
    /// The namespaces of a running container that the clone child joins with setns, by
    /// their names under /proc/<pid>/ns. The pid namespace is entered by the parent
    /// before the clone (by the child, when only the user namespace lets us in); the
    /// mount namespace by the init itself (`runExec`).
    /// The user namespace is joined last (`NamespaceJoinOrder`) and the child becomes
    /// its root.
    static let execJoinedNamespaces: [(name: String, type: Int32)] = [
        ("ipc", CLONE_NEWIPC), ("uts", CLONE_NEWUTS), ("net", CLONE_NEWNET),
        ("cgroup", CLONE_NEWCGROUP), ("user", CLONE_NEWUSER),
    ]

    /// A launcher for `exec`: its child joins every namespace of the running process
    /// `pid` that differs from ours. It is cloned into a private mount namespace of its
    /// own, so that the read-only bind of runcs it executes from never shows in the
    /// container's (see `cruntime_spawn_init`).
    init(joining pid: Int32, preserveFDs: Int) throws {
        let executable = try Self.ownExecutable()
        var joins: [(fd: Int32, type: Int32)] = []
        var pidNamespace: Int32?
        let pair: (parent: SyncSocket, child: SyncSocket)
        do {
            for namespace in Self.execJoinedNamespaces {
                if let fd = try Self.openNamespace(of: pid, namespace.name) {
                    joins.append((fd, namespace.type))
                }
            }
            pidNamespace = try Self.openNamespace(of: pid, "pid")
            // Not root on the host, we may enter the container's pid namespace only from
            // inside its user namespace: the child joins it there and forks the init.
            if let entered = pidNamespace, geteuid() != 0,
               joins.contains(where: { $0.type == CLONE_NEWUSER }) {
                joins.append((entered, CLONE_NEWPID))
                pidNamespace = nil
            }
            pair = try SyncSocket.pair()
        } catch {
            (joins.map(\.fd) + (pidNamespace.map { [$0] } ?? [])).forEach { close($0) }
            throw error
        }
        joins = NamespaceJoinOrder.ordered(joins)
        parent = pair.parent
        child = pair.child
        // Into a user namespace the child joins everything first and then unshares its
        // private mount namespace, which that user namespace then owns: so the child,
        // root in it, may mount there even when we are not root on the host.
        let joinsUser = joins.contains { $0.type == CLONE_NEWUSER }
        cloneFlags = joinsUser ? 0 : CLONE_NEWNS
        unshareFlags = joinsUser ? CLONE_NEWNS : 0
        idMaps = nil
        newCgroupNamespace = false
        self.joins = joins
        self.pidNamespace = pidNamespace
        self.executable = executable
        sealedExecutable = nil
        self.preserveFDs = preserveFDs
    }

    /// Closes everything the launcher holds, when it will not spawn after all.
    func release() {
        parent.close()
        child.close()
        for join in joins {
            close(join.fd)
        }
        if let pidNamespace {
            close(pidNamespace)
        }
        sealedExecutable.map { _ = close($0) }
    }

    /// /proc/<pid>/ns/<name> opened close-on-exec, or nil when it is the namespace we
    /// are in already (or this kernel has no such namespace).
    static func openNamespace(of pid: Int32, _ name: String) throws(SystemError) -> Int32? {
        let path = "/proc/\(pid)/ns/\(name)"
        var theirs = stat()
        var ours = stat()
        guard stat("/proc/self/ns/\(name)", &ours) == 0 else {
            return nil
        }
        let fd = try Syscall.check("open", path: path) { open(path, O_RDONLY | O_CLOEXEC) }
        guard fstat(fd, &theirs) == 0 else {
            let failure = SystemError(call: "fstat", path: path, errno: errno)
            close(fd)
            throw failure
        }
        if theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino {
            close(fd)
            return nil
        }
        return fd
    }
}
