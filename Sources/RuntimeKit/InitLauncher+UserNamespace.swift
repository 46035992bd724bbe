#if canImport(Glibc)
import Glibc
#endif
import SystemKit

extension InitLauncher {
    /// Splits the new namespaces `flags` between the clone and the child's unshare.
    ///
    /// A namespace belongs to the user namespace its creator is in. The clone makes them
    /// all at once, a new user namespace first, which is right unless namespaces are
    /// also joined: a user namespace joined by path must own the new ones, so the child
    /// joins it before it makes them; and a namespace the host owns (a network namespace
    /// joined by path) cannot be entered from inside a new user namespace, so the child
    /// joins it before it makes that. In both cases the clone makes nothing and the
    /// child unshares everything after its joins.
    static func spawnFlags(_ flags: Int32, joins: [(fd: Int32, type: Int32)])
        -> (clone: Int32, unshare: Int32)
    {
        let joinsUser = joins.contains { $0.type == CLONE_NEWUSER }
        let makesUser = flags & CLONE_NEWUSER != 0
        if joinsUser || (makesUser && !joins.isEmpty) {
            return (0, flags)
        }
        return (flags, 0)
    }

    /// Finishes the spawn of `child`: while it waits in its new user namespace, writes
    /// its id maps; when it forks the init into a new pid namespace, learns the init's
    /// pid and reaps `child`. Returns the init's pid; on failure no child is left.
    func settle(_ child: Int32) throws -> Int32 {
        do {
            if let idMaps {
                guard case .userNamespace = try receiveFromChild(child) else {
                    throw RuntimeError(.internal, "clone child sent no user namespace notice")
                }
                try idMaps.write(for: child)
                try parent.send(.idMapsWritten)
            }
            guard unshareFlags & CLONE_NEWPID != 0 || joinsPidNamespace else {
                return child
            }
            guard case .initPID(let pid) = try receiveFromChild(child) else {
                throw RuntimeError(.internal, "clone child did not report the init's pid")
            }
            _ = HostProcess.waitForChild(child)
            return pid
        } catch {
            kill(child, SIGKILL)
            _ = HostProcess.waitForChild(child)
            throw error
        }
    }

    /// The clone child's next message; its own failure report becomes the error.
    private func receiveFromChild(_ child: Int32) throws -> SyncMessage {
        switch try parent.receive() {
        case .failed(let error):
            throw error
        case nil:
            throw RuntimeError(.internal, "clone child \(child) exited before the init ran")
        case let message?:
            return message
        }
    }
}
