/// What the parent tells the re-executed init, as the first sync message. The init
/// reads config.json itself from `configPath`; the descriptors it needs follow the plan
/// as SCM_RIGHTS messages, in this order: the state directory (for an exec: the running
/// container's mount namespace), then the console socket when `hasConsoleSocket`, then,
/// once the init asks for them, one descriptor per index of `bindSources`.
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
    /// Indices into config.json's mounts whose bind source the parent opens and passes
    /// (`BindSources`); empty when the init reaches them itself.
    var bindSources: [Int] = []
    /// Set for `exec`: the process to start in the running container in place of
    /// config.json's. The init then joins the container's mount namespace instead of
    /// building a root, and execs at once instead of waiting for `start`.
    var process: Spec.Process? = nil
    /// The container's state document (status "creating") for the hooks the init runs
    /// itself, createContainer and startContainer; nil when there are none.
    var hookState: JSONValue?
    /// The container process state for the seccomp agent, when a rule notifies one; the
    /// connection to the agent then follows the other descriptors.
    var seccompAgentState: JSONValue? = nil
    /// The AppArmor and SELinux labels to apply, those of modules the host runs.
    var securityLabels = SecurityLabels()
}
