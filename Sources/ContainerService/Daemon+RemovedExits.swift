#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemKit

/// The exit statuses of `--rm` containers the daemon removed, kept for a while so that
/// a Wait that comes after the removal (`ctrs run --rm` reading its container's output
/// to the end, then asking how it ended) is still answered.
extension Daemon {
    /// How long a removed container's exit status is kept, in seconds.
    static let removedExitLifetime = 300.0

    /// Keeps the exit of task `id`, about to be removed with its container.
    func keepExit(of id: String) {
        guard let info = try? tasks.info(id), let status = info.exitStatus else { return }
        let exit = ExitInfo(exitStatus: status, exitedAt: info.exitedAt ?? Logger.timestamp())
        let now = Self.monotonicSeconds()
        removedExits.withLock { exits in
            exits = exits.filter { $0.value.expires > now }
            exits[id] = (exit, now + Self.removedExitLifetime)
        }
    }

    /// The kept exit of the removed container `id`, if any.
    func removedExit(of id: String) -> ExitInfo? {
        let now = Self.monotonicSeconds()
        return removedExits.withLock { exits in
            guard let kept = exits[id], kept.expires > now else { return nil }
            return kept.exit
        }
    }

    /// Forgets the kept exit of `id`: a new container takes the id.
    func forgetRemovedExit(of id: String) {
        removedExits.withLock { $0[id] = nil }
    }

    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
