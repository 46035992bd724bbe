/// What runcs remembers about a container between calls, in `<root>/<id>/state.json`.
public struct ContainerState: Codable, Sendable, Equatable {
    public var ociVersion: String
    public var id: String
    /// The init's pid in the host's pid namespace.
    public var pid: Int32
    /// The init's start time (field 22 of /proc/<pid>/stat), so that a recycled pid is
    /// never mistaken for the container.
    public var initStartTime: UInt64
    public var bundle: String
    public var rootfs: String
    /// RFC 3339 time of creation.
    public var created: String
    public var owner: String
    public var annotations: [String: String]?
    /// The cgroup path the container was placed in, as config.json named it.
    public var cgroupsPath: String?
    /// The hooks that run after `create` (`poststart` in start, `poststop` in delete),
    /// kept from config.json as it was at create.
    public var hooks: Spec.Hooks?
    /// `linux.resources` as in force: config.json's at create, with every `update` since.
    public var resources: Spec.Resources?
    /// Set when the container has no mount namespace of its own: its mounts below the
    /// rootfs are in ours, and delete takes them away.
    public var mountsInOurNamespace: Bool? = nil
}

/// Where a container is in its life, as the OCI state's `status` reports it.
public enum ContainerStatus: String, Codable, Sendable {
    case creating, created, running, paused, stopped
}

/// The OCI state document `runcs state` prints, with the fields runc adds.
public struct StateReport: Codable, Sendable, Equatable {
    public var ociVersion: String
    public var id: String
    public var pid: Int32
    public var status: ContainerStatus
    public var bundle: String
    public var rootfs: String
    public var created: String
    public var owner: String
    public var annotations: [String: String]?

    public init(_ state: ContainerState, status: ContainerStatus) {
        ociVersion = state.ociVersion
        id = state.id
        pid = status == .stopped ? 0 : state.pid
        self.status = status
        bundle = state.bundle
        rootfs = state.rootfs
        created = state.created
        owner = state.owner
        annotations = state.annotations
    }
}
