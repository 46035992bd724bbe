#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `--rm` waits for the client: a container made with autoRemove is deleted once its
/// process has exited *and* Wait has been answered (io.contaird.Tasks), so that
/// `ctrs run --rm`, which calls Wait when the output ends, always gets the exit status.
/// A container nobody waits for (`run -d --rm`) is deleted after a grace period.
extension Daemon {
    /// How long an exited autoRemove container waits for a Wait to be answered.
    static let autoRemoveGraceSeconds = 3.0

    /// Records that the Wait of container `id`'s init was answered, when it is an
    /// autoRemove container (the removal thread consumes the record).
    func noteWaitAnswered(_ id: String) {
        guard let record = try? containers.get(id), record.spec.autoRemove == true else {
            return
        }
        _ = answeredWaits.withLock { $0.insert(id) }
    }

    /// Returns once a Wait for `id` has been answered or the grace period is over.
    func awaitWaitAnswer(_ id: String) {
        var waited = 0.0
        while waited < Self.autoRemoveGraceSeconds {
            if answeredWaits.withLock({ $0.remove(id) }) != nil {
                return
            }
            usleep(10_000)
            waited += 0.01
        }
    }
}
