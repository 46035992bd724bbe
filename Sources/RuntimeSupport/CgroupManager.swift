#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemKit

/// One container's cgroup: the directory in every v1 hierarchy, or the one v2 directory.
///
/// `path` is OCI `linux.cgroupsPath`. An absolute path ("/runcs/bb8") is placed under the
/// root of every hierarchy. A relative one is placed, on v1, under the calling process's
/// own cgroup in each hierarchy; on v2, under the hierarchy root, because the caller's own
/// v2 cgroup holds processes and so cannot also hand controllers to children.
///
/// The manager keeps no state besides the directories it computed, so several managers
/// (in several processes) may act on the same cgroup; the kernel serializes the writes.
public final class CgroupManager: Sendable {
    /// The cgroups path it was made for.
    public let path: String
    /// The hierarchies it acts on.
    public let root: CgroupRoot
    /// The cgroup's directory in each hierarchy (one entry on v2).
    public let directories: [CgroupDirectory]

    /// How long `freeze`, `thaw` and `destroy` wait for the kernel, in milliseconds.
    static let settleMilliseconds = 3000

    /// A manager for `path` on the hierarchies of this machine.
    public convenience init(path: String) throws {
        try self.init(path: path, root: CgroupRoot.detect())
    }

    /// A manager for `path` on the hierarchies `root` describes; tests pass their own root.
    public init(path: String, root: CgroupRoot) throws {
        let cleaned = try Self.clean(path)
        self.path = path
        self.root = root
        switch root {
        case .legacy(let hierarchies):
            directories = hierarchies.map { hierarchy in
                let base = path.hasPrefix("/")
                    ? hierarchy.mountPoint
                    : Self.join(hierarchy.mountPoint, hierarchy.processPath)
                return CgroupDirectory(
                    controllers: hierarchy.controllers,
                    path: Self.join(base, cleaned),
                    mountPoint: hierarchy.mountPoint)
            }
        case .unified(let mountPoint):
            directories = [
                CgroupDirectory(
                    controllers: [], path: Self.join(mountPoint, cleaned), mountPoint: mountPoint)
            ]
        }
    }

    /// Whether the manager drives the unified (v2) hierarchy.
    public var isUnified: Bool {
        if case .unified = root { return true }
        return false
    }

    /// Creates the cgroup's directories and writes `resources`.
    public func create(resources: CgroupResources) throws {
        for directory in directories {
            if directory.controllers.contains("cpuset") {
                try createCpusetDirectory(directory)
            } else {
                try FileSystem.createDirectory(directory.path)
            }
        }
        try apply(resources)
    }

    /// Changes the limits of an existing cgroup; nil fields stay as they are.
    public func update(resources: CgroupResources) throws {
        try apply(resources)
    }

    /// Moves process `pid`, with all its threads, into the cgroup in every hierarchy.
    public func add(pid: pid_t) throws {
        for directory in directories {
            try FileSystem.writeKnob(directory.path + "/cgroup.procs", String(pid))
        }
    }

    /// The processes in the cgroup, from every hierarchy, without duplicates, sorted.
    public func processes() throws -> [pid_t] {
        var found = Set<pid_t>()
        for directory in directories {
            let text = try FileSystem.readText(directory.path + "/cgroup.procs")
            for line in text.split(separator: "\n") {
                if let pid = pid_t(line) {
                    found.insert(pid)
                }
            }
        }
        return found.sorted()
    }

    /// Signals every process in the cgroup.
    ///
    /// With SIGKILL on v2 the kernel does it in one step (`cgroup.kill`). Otherwise the
    /// cgroup is frozen while the signals go out, so a process cannot fork a child that the
    /// listing missed, then thawed so the signals are delivered. A cgroup that was frozen
    /// (a paused container) stays frozen, its signals pending until it is resumed, except
    /// for SIGKILL: frozen v1 tasks die only once thawed.
    public func killAll(signal: Int32) throws {
        if signal == SIGKILL, let directory = directories.first, isUnified,
            FileSystem.exists(directory.path + "/cgroup.kill")
        {
            try FileSystem.writeKnob(directory.path + "/cgroup.kill", "1")
            return
        }

        let canFreeze = freezerDirectory != nil
        let wasFrozen = canFreeze && isFrozen
        if canFreeze {
            try freeze()
        }
        var firstError: SystemError?
        for pid in try processes() {
            if kill(pid, signal) != 0 && currentErrno() != ESRCH && firstError == nil {
                firstError = SystemError(call: "kill", path: "pid \(pid)", errno: currentErrno())
            }
        }
        if canFreeze && (!wasFrozen || signal == SIGKILL) {
            try thaw()
        }
        if let firstError {
            throw firstError
        }
    }

    /// Removes the cgroup's directory from every hierarchy, with any child cgroups the
    /// container made below it. Processes that are still exiting make rmdir fail with
    /// EBUSY for a moment; that is retried. A directory that is already gone is fine.
    public func destroy() throws {
        for directory in directories {
            try removeCgroupTree(directory.path)
        }
    }

    /// rmdir of `path` after its child cgroups, retrying EBUSY until the deadline.
    private func removeCgroupTree(_ path: String) throws {
        guard FileSystem.isDirectory(path) else {
            return
        }
        for name in try FileSystem.listDirectory(path)
        where FileSystem.isDirectory(path + "/" + name) {
            try removeCgroupTree(path + "/" + name)
        }

        var waited = 0
        while rmdir(path) != 0 {
            let code = currentErrno()
            if code == ENOENT {
                return
            }
            if code != EBUSY || waited >= Self.settleMilliseconds {
                throw SystemError(call: "rmdir", path: path, errno: code)
            }
            usleep(10_000)
            waited += 10
        }
    }

    /// `path` without empty or "." components; rejects ".." so a config cannot climb out
    /// of the hierarchy.
    static func clean(_ path: String) throws -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") where part != "." {
            if part == ".." {
                throw CgroupError.invalidPath(path)
            }
            parts.append(part)
        }
        if parts.isEmpty {
            throw CgroupError.invalidPath(path)
        }
        return parts.joined(separator: "/")
    }

    /// `base` + "/" + `tail` with one slash between them.
    static func join(_ base: String, _ tail: String) -> String {
        let left = base.hasSuffix("/") ? String(base.dropLast()) : base
        let right = tail.hasPrefix("/") ? String(tail.dropFirst()) : tail
        return right.isEmpty ? left : left + "/" + right
    }
}

/// The directory of one cgroup in one hierarchy.
public struct CgroupDirectory: Sendable, Equatable {
    /// The v1 controllers of the hierarchy; empty on v2.
    public var controllers: [String]
    /// The cgroup's directory.
    public var path: String
    /// Where the hierarchy is mounted.
    public var mountPoint: String
}
