#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization
import SystemKit

/// The `--rm` containers started by an attached client (`ctrs run --rm`), whose removal
/// belongs to that client's Wait: the Wait claims it and removes the container before
/// it answers, so the client reads the exit status once the id is free again. The exit
/// watcher's side (`Daemon.taskExited`) waits for the claim, at most a grace period,
/// and removes the container itself when no Wait came.
///
/// Thread-safe: the entries sit behind a `Mutex`; the watcher's side sleeps in `poll`
/// on a pipe of the entry's own, which a claim or a withdrawal writes to. The pipe is
/// closed when the last holder of the entry lets it go.
final class RemovalClaims: Sendable {
    /// One expected Wait: whether it has claimed the removal, and its wake-up pipe.
    final class Entry: Sendable {
        let claimed = Atomic<Bool>(false)
        let wake: (read: FileDescriptor, write: FileDescriptor)

        init() throws(SystemError) {
            wake = try FileDescriptor.pipe()
        }

        func signal() {
            var one: UInt8 = 1
            _ = write(wake.write.rawValue, &one, 1)
        }

        deinit {
            wake.read.close()
            wake.write.close()
        }
    }

    let entries = Mutex<[String: Entry]>([:])

    /// Called at the attached start of container `id`: its removal will wait for a Wait.
    func expect(_ id: String) {
        let entry = try? Entry()
        entries.withLock { $0[id] = entry }
    }

    /// Undoes `expect` (the start failed, or the grace period is over) and wakes the
    /// watcher's side.
    func withdraw(_ id: String) {
        let entry = entries.withLock { $0.removeValue(forKey: id) }
        entry?.signal()
    }

    /// Claims the removal of `id` for the calling Wait: true when one was expected and
    /// nobody claimed it before; the caller then removes the container and calls
    /// `finish`.
    func claim(_ id: String) -> Bool {
        let entry = entries.withLock { entries -> Entry? in
            guard let entry = entries[id], !entry.claimed.load(ordering: .relaxed) else {
                return nil
            }
            entry.claimed.store(true, ordering: .relaxed)
            return entry
        }
        entry?.signal()
        return entry != nil
    }

    /// The claimant has removed the container.
    func finish(_ id: String) {
        entries.withLock { entries in
            if entries[id]?.claimed.load(ordering: .relaxed) == true {
                entries[id] = nil
            }
        }
    }

    /// The watcher's side, once the container's process has exited: waits at most
    /// `seconds` for a Wait to claim the removal. True when one did (the caller must
    /// leave the container alone); false when none was expected or the time is up (the
    /// entry is dropped, and the caller removes the container).
    func awaitClaim(_ id: String, seconds: Double) -> Bool {
        guard let entry = entries.withLock({ $0[id] }) else {
            return false
        }
        if !entry.claimed.load(ordering: .relaxed) {
            var ready = pollfd(fd: entry.wake.read.rawValue, events: Int16(POLLIN), revents: 0)
            var result: Int32
            repeat {
                result = poll(&ready, 1, Int32(seconds * 1000))
            } while result < 0 && currentErrno() == EINTR
        }
        return entries.withLock { entries in
            if entry.claimed.load(ordering: .relaxed) {
                return true
            }
            if entries[id] === entry {
                entries[id] = nil
            }
            return false
        }
    }
}
