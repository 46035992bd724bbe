#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `--rm` waits for an attached client: an autoRemove container started with
/// "upgrade" (`ctrs run --rm`, which calls Wait when the output ends) is deleted once
/// its process has exited *and* Wait has been answered (io.contaird.Tasks), so the
/// client always gets the exit status. One started detached (`run -d --rm`) is
/// deleted at exit; a client that never calls Wait delays the deletion by at most the
/// grace period.
extension Daemon {
    /// How long an exited autoRemove container waits for its client's Wait.
    static let autoRemoveGraceSeconds = 10.0

    /// Called at an attached start of an autoRemove container: its removal will wait
    /// for the Wait of its init.
    func expectWait(_ id: String) {
        autoRemoveWaits.withLock { $0[id] = false }
    }

    /// Undoes `expectWait` when the start failed.
    func forgetWait(_ id: String) {
        autoRemoveWaits.withLock { _ = $0.removeValue(forKey: id) }
    }

    /// Records that the Wait of container `id`'s init was answered.
    func noteWaitAnswered(_ id: String) {
        autoRemoveWaits.withLock { waits in
            if waits[id] != nil {
                waits[id] = true
            }
        }
    }

    /// Returns once no Wait is expected for `id`, one has been answered, or the grace
    /// period is over.
    func awaitWaitAnswer(_ id: String) {
        var waited = 0.0
        while waited < Self.autoRemoveGraceSeconds {
            let done = autoRemoveWaits.withLock { waits in
                guard let answered = waits[id] else { return true }
                if answered {
                    waits[id] = nil
                }
                return answered
            }
            if done {
                return
            }
            usleep(2_000)
            waited += 0.002
        }
        forgetWait(id)
    }
}
