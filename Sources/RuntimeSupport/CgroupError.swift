/// What can go wrong with a cgroup besides a failed system call (those throw `SystemError`).
public enum CgroupError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Neither a v1 hierarchy nor a cgroup2 mount was found in /proc/self/mountinfo.
    case noHierarchies
    /// A limit needs `controller`, which the cgroup at `path` does not offer.
    case controllerUnavailable(controller: String, path: String)
    /// The freezer did not reach the wanted state within the time allowed.
    case freezeTimedOut(path: String, state: String)
    /// A resource value that the kernel cannot express.
    case invalidValue(name: String, value: String)
    /// A value outside what the kernel takes, which it would clamp without a word.
    case outOfRange(name: String, value: String, allowed: String)
    /// A path that would leave the hierarchy ("..") or is empty.
    case invalidPath(String)
    /// An `exec --cgroup` selection that names no sub-cgroup of the container's.
    case invalidSelection(String)

    public var description: String {
        switch self {
        case .noHierarchies:
            return "no cgroup hierarchy is mounted (looked in /proc/self/mountinfo)"
        case .controllerUnavailable(let controller, let path):
            return "cgroup controller \"\(controller)\" is not available in \"\(path)\""
        case .freezeTimedOut(let path, let state):
            return "cgroup \"\(path)\" did not become \(state) in time"
        case .invalidValue(let name, let value):
            return "invalid cgroup value \(name)=\"\(value)\""
        case .outOfRange(let name, let value, let allowed):
            return "\(name) \(value) is out of range: the kernel takes \(allowed)"
        case .invalidPath(let path):
            return "invalid cgroups path \"\(path)\""
        case .invalidSelection(let reason):
            return "exec --cgroup: \(reason)"
        }
    }
}
