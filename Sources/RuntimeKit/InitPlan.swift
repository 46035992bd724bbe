/// What the parent tells the re-executed init, as the first sync message. The init
/// reads config.json itself from `configPath`; the descriptors it needs follow the plan
/// as SCM_RIGHTS messages, in this order: the state directory, then the console socket
/// when `hasConsoleSocket`.
struct InitPlan: Codable, Equatable {
    var id: String
    var bundle: String
    var configPath: String
    /// The rootfs as an absolute host path.
    var rootfs: String
    var noPivot: Bool
    var hasConsoleSocket: Bool
    /// How many descriptors from 3 on the container process inherits.
    var preserveFDs: Int
    /// The host path of the runcs binary the child bind-mounted read-only, to detach.
    var protectedExecutable: String?
    /// Whether the init unshares a new cgroup namespace once it sits in its cgroup.
    var newCgroupNamespace: Bool
    /// The container's cgroup directory in each hierarchy, by mount point, for the bind
    /// mounts of /sys/fs/cgroup; empty when runcs manages no cgroups.
    var cgroupDirectories: [String: String]
    /// The container's state document (status "creating") for the hooks the init runs
    /// itself, createContainer and startContainer; nil when there are none.
    var hookState: JSONValue?
}
