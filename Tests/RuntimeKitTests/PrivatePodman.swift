import Glibc
import SystemKit
import TestKit
import Testing

/// Debian's podman on a private storage root, run root, temporary directory, lock
/// directory and cgroup parent, with the shared Alpine image loaded, so that
/// `podman --runtime <runcs>` drives runcs as its OCI runtime. Every podman command goes
/// through `podman(_:)`; `stop()` removes the containers, the image, the mounts, the
/// cgroups and the directory, also after a failed test.
final class PrivatePodman: @unchecked Sendable {
    static let archive = TestPaths.shared + "/images/alpine-3.20.3-amd64.docker.tar"
    static let image = "docker.io/library/alpine:3.20.3"

    let directory: String
    /// The cgroup every container and conmon of this instance goes below.
    let cgroupParent: String
    /// Whether conmon's /libpod_parent was there before this instance (then it stays).
    let conmonParentExisted: Bool

    /// Loads the Alpine image; a missing podman, conmon or image is a failure that says
    /// what to install.
    init() throws {
        let installed = access("/usr/bin/podman", X_OK) == 0
            && access("/usr/bin/conmon", X_OK) == 0
        try #require(installed,
                     "podman and conmon are missing: scripts/install-deps.sh --bench installs them")
        try #require(FileSystem.exists(Self.archive), "\(Self.archive) is missing")
        directory = try TestPaths.temporaryDirectory("runcs-podman")
        cgroupParent = "/" + String(directory.split(separator: "/").last!)
        conmonParentExisted = FileSystem.exists("/sys/fs/cgroup/pids/libpod_parent")
            || FileSystem.exists("/sys/fs/cgroup/libpod_parent")
        do {
            try FileSystem.createDirectory(directory + "/tmp")
            try FileSystem.writeAtomically(directory + "/containers.conf", text: configuration)
            try FileSystem.writeAtomically(directory + "/storage.conf", text: storage)
            let loaded = try podman(["load", "--quiet", "--input", Self.archive])
            try #require(loaded.status == 0, "podman load: \(loaded.error)")
        } catch {
            stop()
            throw error
        }
    }

    /// containers.conf: every path podman writes below `directory`. Locks are files
    /// there too: the default shared-memory locks are one segment (/dev/shm/libpod_lock)
    /// for every podman of the host.
    ///
    /// The rlimits: as root, podman asks for RLIMIT_NOFILE and RLIMIT_NPROC of 1048576
    /// unless told otherwise, which no runtime (runc, crun or runcs) can set where root
    /// lacks CAP_SYS_RESOURCE and inherits a lower hard limit, as on our build machine.
    private var configuration: String {
        """
        [containers]
        default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]

        [engine]
        cgroup_manager = "cgroupfs"
        events_logger = "file"
        lock_type = "file"
        tmp_dir = "\(directory)/tmp"
        static_dir = "\(directory)/storage/libpod"
        volume_path = "\(directory)/volumes"

        [network]
        network_config_dir = "\(directory)/networks"

        """
    }

    private var storage: String {
        """
        [storage]
        driver = "overlay"
        graphroot = "\(directory)/storage"
        runroot = "\(directory)/run"

        """
    }

    /// The environment that points podman (and the `podman container cleanup` conmon
    /// starts when a container exits) at the private configuration.
    var environment: [String] {
        ["CONTAINERS_CONF=\(directory)/containers.conf",
         "CONTAINERS_STORAGE_CONF=\(directory)/storage.conf", "TMPDIR=\(directory)/tmp"]
    }

    /// `podman --runtime <runcs> <arguments>` in the private environment, as an argument
    /// vector (for `TestContainer.spawn`, `script` or tmux).
    func command(_ arguments: [String]) -> [String] {
        ["/usr/bin/env"] + environment
            + ["/usr/bin/podman", "--runtime", TestContainer.runcsPath] + arguments
    }

    @discardableResult
    func podman(_ arguments: [String]) throws -> CommandResult {
        try TestContainer.execute(command(arguments))
    }

    /// The flags every `podman run` of the tests takes: no network (nothing to set up),
    /// and the private cgroup parent.
    var runFlags: [String] {
        ["--network", "none", "--cgroup-parent", cgroupParent]
    }

    /// One field of `podman inspect`, such as `{{.State.Status}}`.
    func inspect(_ container: String, _ format: String) throws -> String {
        let result = try podman(["inspect", "--format", format, container])
        return result.output.split(separator: "\n").first.map(String.init) ?? result.error
    }

    func stop() {
        _ = try? podman(["rm", "--all", "--force", "--time", "0"])
        _ = try? podman(["rmi", "--all", "--force"])
        removeCgroups()
        removeConmonParents()
        PrivateContainerd.unmountEverything(under: directory)
        try? FileSystem.removeTree(directory)
    }

    /// Removes `cgroupParent` from every hierarchy, once the conmons that still sit in
    /// it (each leaves when its container is gone) have left: they are this test's, and
    /// are killed if they linger. Below /sys/fs/cgroup, a controller the host does not
    /// mount is a plain directory on tmpfs, where podman writes plain `tasks` files.
    private func removeCgroups() {
        let hierarchies = (try? FileSystem.listDirectory("/sys/fs/cgroup")) ?? []
        let parents = hierarchies.map { "/sys/fs/cgroup/\($0)\(cgroupParent)" }
            .filter { FileSystem.exists($0) }
        for _ in 0..<100 where parents.contains(where: { !Self.processes(under: $0).isEmpty }) {
            usleep(50_000)
        }
        for parent in parents {
            for pid in Self.processes(under: parent) {
                kill(pid, SIGKILL)
            }
        }
        for parent in parents {
            for _ in 0..<40 where FileSystem.exists(parent) {
                Self.removeCgroupTree(parent)
                if FileSystem.exists(parent) { usleep(50_000) }
            }
        }
    }

    /// conmon puts itself in /libpod_parent/conmon whatever the containers' parent;
    /// those that this instance made and no process uses any more go (a real cgroup
    /// still in use refuses rmdir and stays).
    private func removeConmonParents() {
        guard !conmonParentExisted else {
            return
        }
        let hierarchies = (try? FileSystem.listDirectory("/sys/fs/cgroup")) ?? []
        for hierarchy in hierarchies {
            let parent = "/sys/fs/cgroup/\(hierarchy)/libpod_parent"
            if FileSystem.exists(parent) && Self.processes(under: parent).isEmpty {
                Self.removeCgroupTree(parent)
            }
        }
    }

    /// The pids in the cgroup at `path` and below.
    static func processes(under path: String) -> [pid_t] {
        let names = (try? FileSystem.listDirectory(path)) ?? []
        var pids: [pid_t] = []
        for name in names where FileSystem.isDirectory(path + "/" + name) {
            pids += processes(under: path + "/" + name)
        }
        let listed = (try? FileSystem.readText(path + "/cgroup.procs")) ?? ""
        return pids + listed.split(separator: "\n").compactMap { pid_t($0) }
    }

    /// Removes a cgroup directory, its children first. A control file of a real cgroup
    /// refuses unlink (it goes with the directory); the plain `tasks` files on tmpfs do
    /// not.
    static func removeCgroupTree(_ path: String) {
        var status = stat()
        for name in (try? FileSystem.listDirectory(path)) ?? [] {
            let child = path + "/" + name
            guard lstat(child, &status) == 0 else { continue }
            if (status.st_mode & S_IFMT) == S_IFDIR {
                removeCgroupTree(child)
            } else {
                unlink(child)
            }
        }
        rmdir(path)
    }
}
