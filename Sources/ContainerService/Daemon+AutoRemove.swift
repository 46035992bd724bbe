import SystemKit

/// `--rm`: a container created with autoRemove is deleted once its process has exited.
/// One started by an attached client (Tasks.Start with "upgrade": `ctrs run --rm`,
/// which calls Wait when the output ends) is deleted by that client's Wait, before the
/// Wait answers, so the client gets the exit status and finds the id free at the same
/// moment (`RemovalClaims`). One started detached (`run -d --rm`) is deleted at exit by
/// the exit watcher's side; so is an attached one whose client never calls Wait, after
/// the grace period.
extension Daemon {
    /// How long an exited autoRemove container waits for its client's Wait.
    static let autoRemoveGraceSeconds = 10.0

    /// Called when a task's init exits: carries out `--rm` unless a Wait claims it.
    func taskExited(_ id: String) {
        guard let record = try? containers.get(id), record.spec.autoRemove == true,
              (try? tasks.info(id).status) == .stopped
        else {
            return
        }
        // On a thread of its own: the watcher must not wait for a removal.
        try? DetachedThread.start(name: "autoremove") { [self] in
            if removalClaims.awaitClaim(id, seconds: Self.autoRemoveGraceSeconds) {
                return
            }
            removeExited(record)
        }
    }

    /// Carries out the `--rm` of container `id` for the Wait that claimed it.
    func removeClaimed(_ id: String) {
        if let record = try? containers.get(id) {
            removeExited(record)
        }
        removalClaims.finish(id)
    }

    /// Removes the `--rm` container of `record` and its exited task, keeping the exit
    /// status for late Waits. A container removed meanwhile, or replaced by another of
    /// the same id, or whose task runs again, is left alone.
    func removeExited(_ record: ContainerRecord) {
        let id = record.id
        withContainerLock(id) {
            guard let current = try? containers.get(id), current.createdAt == record.createdAt
            else {
                return
            }
            if tasks.exists(id) && (try? tasks.info(id).status) != .stopped {
                return
            }
            do {
                keepExit(of: id)
                _ = try? tasks.delete(id, force: true)
                try removeContainer(current)
            } catch {
                Logger.shared.error("cannot remove container after exit",
                                    ["id": id, "error": error])
            }
        }
    }
}
