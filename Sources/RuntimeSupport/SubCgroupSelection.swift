#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemKit

/// Where under a container's cgroup `exec --cgroup` puts a process: one sub-path for every
/// hierarchy, or sub-paths for named v1 controllers. Each `--cgroup` value is "PATH" or
/// "CONTROLLER[,CONTROLLER...]:PATH"; a path is relative to the container's cgroup and may
/// not leave it.
public struct SubCgroupSelection: Sendable, Equatable {
    /// The sub-path of every hierarchy that no controller entry names; "" is the
    /// container's cgroup itself.
    public var defaultPath = ""
    /// v1 controller → sub-path.
    public var byController: [String: String] = [:]

    public init() {}

    /// Parses the `--cgroup` values in order; a later value for a controller wins.
    public init(arguments: [String]) throws(CgroupError) {
        for argument in arguments {
            guard let colon = argument.firstIndex(of: ":") else {
                defaultPath = try Self.subPath(argument)
                continue
            }
            let path = try Self.subPath(String(argument[argument.index(after: colon)...]))
            for controller in argument[..<colon].split(separator: ",") {
                let name = String(controller)
                guard CgroupMountEntry.knownControllers.contains(name) else {
                    throw CgroupError.invalidSelection("unknown controller \(name)")
                }
                byController[name] = path
            }
        }
    }

    /// Whether the selection is the container's cgroup everywhere.
    public var isEmpty: Bool {
        defaultPath.isEmpty && byController.values.allSatisfy(\.isEmpty)
    }

    /// The sub-path for the hierarchy with `controllers` (empty on v2).
    func subPath(for controllers: [String]) -> String {
        controllers.lazy.compactMap { byController[$0] }.first ?? defaultPath
    }

    /// `path` cleaned of "." and extra slashes; refused when it climbs out with "..".
    static func subPath(_ path: String) throws(CgroupError) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") where part != "." {
            guard part != ".." else {
                throw CgroupError.invalidSelection("\(path) is not a sub cgroup path")
            }
            parts.append(part)
        }
        return parts.joined(separator: "/")
    }
}

extension CgroupManager {
    /// Moves `pid` into the sub-cgroups `selection` names, which must exist: each one is
    /// a directory the container (or its user) made inside its own cgroup.
    public func add(pid: pid_t, selection: SubCgroupSelection) throws {
        guard !isUnified || selection.byController.isEmpty else {
            throw CgroupError.invalidSelection("controller names need cgroup v1 hierarchies")
        }
        for directory in directories {
            let target = Self.join(directory.path, selection.subPath(for: directory.controllers))
            guard FileSystem.exists(target) else {
                throw CgroupError.invalidSelection(
                    "adding pid \(pid) to \(target)/cgroup.procs: no such file or directory"
                        + " (the sub-cgroup does not exist)")
            }
            try FileSystem.writeKnob(target + "/cgroup.procs", String(pid))
        }
    }
}
