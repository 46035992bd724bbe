import RuntimeKit
import RuntimeSupport

/// Where the daemon keeps things and how it runs containers; every path is a flag so
/// that tests run private daemons side by side.
public struct DaemonConfiguration: Sendable {
    /// The varlink socket.
    public var socketPath = "/run/contaird/contaird.sock"
    /// Images, snapshots, the metadata database: kept across reboots.
    public var root = "/var/lib/contaird"
    /// Bundles, monitors' sockets and exit records, network namespaces: runtime state.
    public var state = "/run/contaird"
    /// The group whose members may use the socket; nil leaves it to root.
    public var group: String? = "contaird"
    /// The OCI runtime binary used when a container names none.
    public var runtime = "runcs"
    /// The monitor binary, by default the one beside the daemon's own.
    public var monitor = "contaird-monitor"
    /// The static reaper bind-mounted for `--init`, by default beside the daemon.
    public var initBinary = "contaird-init"
    /// The cgroup under which each container gets `<parent>/<id>`.
    public var cgroupParent = "/contaird"
    /// `overlayfs`, `native`, or nil to detect.
    public var snapshotter: String?
    /// The seccomp profile given to unprivileged containers (OCI `linux.seccomp`): by
    /// default the one RuntimeSupport writes after Docker's (docs/cgroups-seccomp.md).
    public var seccompProfile: RuntimeKit.JSONValue? =
        try? RuntimeKit.JSONValue.parse(Seccomp.defaultProfileJSON)

    public init() {}

    public var databasePath: String { root + "/metadata.db" }
    public var containersDirectory: String { state + "/containers" }
    public var networkNamespacesDirectory: String { state + "/netns" }

    public func bundle(of id: String) -> String { containersDirectory + "/" + id }
    public func monitorDirectory(of id: String) -> String { bundle(of: id) + "/monitor" }
    public func runtimeRoot() -> String { state + "/runtime" }
    public func networkNamespace(of id: String) -> String {
        networkNamespacesDirectory + "/" + id
    }
}
