import SystemKit

/// Where the cgroup hierarchies of this machine are mounted, and which version they are.
///
/// A hybrid machine (v1 controllers plus a cgroup2 mount at `/sys/fs/cgroup/unified`) counts
/// as v1: the controllers that limit containers live in the v1 hierarchies.
public enum CgroupRoot: Sendable, Equatable {
    /// cgroup v1: one mounted hierarchy per controller group.
    case legacy([CgroupHierarchy])
    /// cgroup v2: the single unified hierarchy mounted at `mountPoint`.
    case unified(mountPoint: String)

    /// The layout of the running system, read from /proc/self/mountinfo and
    /// /proc/self/cgroup.
    public static func detect() throws -> CgroupRoot {
        let mounts = try FileSystem.readText("/proc/self/mountinfo")
        let membership = try FileSystem.readText("/proc/self/cgroup")
        return try parse(mountInfo: mounts, processCgroups: membership)
    }

    /// The layout that `mountInfo` (the text of /proc/PID/mountinfo) and `processCgroups`
    /// (the text of /proc/PID/cgroup) describe.
    static func parse(mountInfo: String, processCgroups: String) throws -> CgroupRoot {
        let entries = mountInfo.split(separator: "\n").compactMap(CgroupMountEntry.init)
        let placement = CgroupMembership(processCgroups)

        var legacy: [CgroupHierarchy] = []
        var unifiedMount: String?
        for entry in entries {
            if entry.fileSystem == "cgroup2" {
                if unifiedMount == nil || entry.mountPoint == "/sys/fs/cgroup" {
                    unifiedMount = entry.mountPoint
                }
                continue
            }
            if legacy.contains(where: { $0.controllers == entry.controllers }) {
                continue
            }
            let own = placement.path(forControllers: entry.controllers) ?? "/"
            legacy.append(
                CgroupHierarchy(
                    controllers: entry.controllers,
                    mountPoint: entry.mountPoint,
                    processPath: relative(own, toMountRoot: entry.mountRoot)
                ))
        }

        let hasV1Controllers = legacy.contains { hierarchy in
            hierarchy.controllers.contains { !$0.hasPrefix("name=") }
        }
        if hasV1Controllers {
            // A hybrid machine: the cgroup2 mount beside the v1 ones has no controllers,
            // but a process is placed in it too, so that tools reading its "0::" line
            // (systemd, runc's own checks) find the container where its v1 cgroups are.
            if let unifiedMount, unifiedMount != "/sys/fs/cgroup" {
                legacy.append(CgroupHierarchy(
                    controllers: [], mountPoint: unifiedMount,
                    processPath: placement.unifiedPath ?? "/"))
            }
            return .legacy(legacy)
        }
        if let unifiedMount {
            return .unified(mountPoint: unifiedMount)
        }
        throw CgroupError.noHierarchies
    }

    /// `path` as seen below a mount whose root inside the cgroup filesystem is `mountRoot`.
    private static func relative(_ path: String, toMountRoot mountRoot: String) -> String {
        if mountRoot == "/" {
            return path
        }
        if path == mountRoot {
            return "/"
        }
        if path.hasPrefix(mountRoot + "/") {
            return String(path.dropFirst(mountRoot.count))
        }
        return "/"
    }
}

/// One mounted cgroup v1 hierarchy.
public struct CgroupHierarchy: Sendable, Equatable {
    /// The controllers bound to it ("cpu", "cpuacct", ...) or its name ("name=systemd").
    public var controllers: [String]
    /// Where it is mounted, such as /sys/fs/cgroup/memory.
    public var mountPoint: String
    /// The calling process's cgroup in it, relative to the mount point.
    public var processPath: String

    public init(controllers: [String], mountPoint: String, processPath: String = "/") {
        self.controllers = controllers
        self.mountPoint = mountPoint
        self.processPath = processPath
    }
}

/// A cgroup line of /proc/self/mountinfo: "... mountroot mountpoint opts - cgroup src opts".
struct CgroupMountEntry {
    var mountRoot: String
    var mountPoint: String
    var fileSystem: String
    var controllers: [String]

    /// The v1 controllers that can appear in super options; other options ("rw",
    /// "clone_children", "release_agent=...") are flags, not controllers.
    static let knownControllers: Set<String> = [
        "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls", "blkio",
        "perf_event", "net_prio", "hugetlb", "pids", "rdma", "misc",
    ]

    init?(_ line: Substring) {
        let fields = line.split(separator: " ")
        guard let dash = fields.firstIndex(of: "-"), dash >= 5, fields.count > dash + 3 else {
            return nil
        }
        let fileSystem = String(fields[dash + 1])
        guard fileSystem == "cgroup" || fileSystem == "cgroup2" else {
            return nil
        }
        self.fileSystem = fileSystem
        self.mountRoot = Self.unescape(fields[3])
        self.mountPoint = Self.unescape(fields[4])
        self.controllers = fields[dash + 3].split(separator: ",").compactMap { option in
            let name = String(option)
            if name.hasPrefix("name=") || Self.knownControllers.contains(name) {
                return name
            }
            return nil
        }
        if fileSystem == "cgroup" && controllers.isEmpty {
            return nil
        }
    }

    /// Undoes mountinfo's octal escapes of space, tab, newline and backslash.
    static func unescape(_ field: Substring) -> String {
        guard field.contains("\\") else {
            return String(field)
        }
        var bytes: [UInt8] = []
        let raw = Array(field.utf8)
        var index = 0
        while index < raw.count {
            if raw[index] == UInt8(ascii: "\\"), index + 3 < raw.count,
                let value = UInt8(String(decoding: raw[index + 1...index + 3], as: UTF8.self),
                    radix: 8)
            {
                bytes.append(value)
                index += 4
            } else {
                bytes.append(raw[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// The lines of /proc/PID/cgroup: "4:memory:/path", "0::/path" for v2.
struct CgroupMembership {
    private var pathsByControllers: [String: String] = [:]
    private(set) var unifiedPath: String?

    init(_ text: String) {
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            if parts[1].isEmpty {
                unifiedPath = String(parts[2])
            } else {
                pathsByControllers[String(parts[1])] = String(parts[2])
            }
        }
    }

    /// The path of the hierarchy holding exactly `controllers` (in any order).
    func path(forControllers controllers: [String]) -> String? {
        let wanted = Set(controllers)
        for (key, path) in pathsByControllers {
            if Set(key.split(separator: ",").map(String.init)) == wanted {
                return path
            }
        }
        return nil
    }
}
