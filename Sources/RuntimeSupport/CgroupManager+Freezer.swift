#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemKit

extension CgroupManager {
    /// The directory whose freezer the manager drives: the v1 freezer hierarchy's, or the
    /// v2 cgroup itself (`cgroup.freeze` is part of every non-root v2 cgroup).
    var freezerDirectory: String? {
        if isUnified {
            return directories.first?.path
        }
        return directory(for: "freezer")?.path
    }

    /// Stops every process in the cgroup and returns once the kernel reports them frozen.
    public func freeze() throws {
        try setFrozen(true)
    }

    /// Lets the processes of a frozen cgroup run again.
    public func thaw() throws {
        try setFrozen(false)
    }

    /// Whether the kernel reports the cgroup frozen (v1 `freezer.state` FROZEN, v2
    /// `frozen 1` in `cgroup.events`). False when it cannot be read.
    public var isFrozen: Bool {
        (try? readFrozen()) ?? false
    }

    /// Whether the cgroup has been told to freeze, whether or not every task is frozen
    /// yet: v1 `freezer.state` FREEZING or FROZEN (a task that joins a frozen cgroup turns
    /// it FREEZING until that task stops too), v2 `cgroup.freeze` 1. This is what
    /// "paused" means to a user. False when it cannot be read.
    public var isFreezeRequested: Bool {
        guard let directory = freezerDirectory else {
            return false
        }
        if isUnified {
            return (try? FileSystem.readText(directory + "/cgroup.freeze"))?
                .trimmingNewline() == "1"
        }
        guard let state = try? FileSystem.readText(directory + "/freezer.state") else {
            return false
        }
        return state.trimmingNewline() != "THAWED"
    }

    private func readFrozen() throws -> Bool {
        guard let directory = freezerDirectory else {
            throw CgroupError.controllerUnavailable(controller: "freezer", path: path)
        }
        if isUnified {
            return try FileSystem.readText(directory + "/cgroup.events")
                .split(separator: "\n").contains("frozen 1")
        }
        return try FileSystem.readText(directory + "/freezer.state").trimmingNewline()
            == "FROZEN"
    }

    /// Writes the wanted state and polls until the kernel has reached it. On v1 a freeze
    /// can stall in FREEZING while a task sleeps uninterruptibly; writing FROZEN again
    /// retries it, which the loop does every 50 ms.
    private func setFrozen(_ frozen: Bool) throws {
        guard let directory = freezerDirectory else {
            throw CgroupError.controllerUnavailable(controller: "freezer", path: path)
        }
        let file = isUnified ? "cgroup.freeze" : "freezer.state"
        let value = isUnified ? (frozen ? "1" : "0") : (frozen ? "FROZEN" : "THAWED")

        var waited = 0
        while true {
            if waited % 50 == 0 {
                try write(directory, file, value)
            }
            if try readFrozen() == frozen {
                return
            }
            if waited >= Self.settleMilliseconds {
                throw CgroupError.freezeTimedOut(
                    path: directory, state: frozen ? "frozen" : "thawed")
            }
            usleep(1000)
            waited += 1
        }
    }
}
