import Glibc
import SystemKit
import TestKit
import Testing

/// Debian's containerd started on a private root, state, socket and namespace, with the
/// shared Alpine image imported, so that `ctr` can drive runcs as containerd's runtime.
/// `stop()` deletes its tasks, containers and snapshots, stops it and removes everything.
final class PrivateContainerd: @unchecked Sendable {
    static let archive = TestPaths.shared + "/images/alpine-3.20.3-multiarch.oci.tar"
    static let image = "docker.io/library/alpine:3.20.3"

    let directory: String
    let namespace: String
    var socket: String { directory + "/containerd.sock" }
    /// runcs's state root, passed to ctr as --runc-root.
    var runtimeRoot: String { directory + "/runcs" }
    private var pid: pid_t = 0

    /// Starts containerd and imports the Alpine image; skips nothing: a missing
    /// containerd or image is a failure that says what to install.
    init() throws {
        try #require(access("/usr/bin/containerd", X_OK) == 0 && access("/usr/bin/ctr", X_OK) == 0,
                     "containerd and ctr are missing: scripts/install-deps.sh installs them")
        try #require(FileSystem.exists(Self.archive), "\(Self.archive) is missing")
        directory = try TestPaths.temporaryDirectory("runcs-ctrd")
        namespace = "runcs-test-" + String(directory.suffix(6))
        do {
            try start()
            let imported = try ctr(["images", "import", "--platform", "linux/amd64",
                                    Self.archive])
            try #require(imported.status == 0, "ctr images import: \(imported.error)")
        } catch {
            stop()
            throw error
        }
    }

    /// A configuration with every path private and the plugins the tests need only.
    private var configuration: String {
        """
        version = 2
        root = "\(directory)/root"
        state = "\(directory)/state"
        disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs",
                            "io.containerd.snapshotter.v1.zfs",
                            "io.containerd.snapshotter.v1.devmapper",
                            "io.containerd.snapshotter.v1.aufs",
                            "io.containerd.internal.v1.tracing",
                            "io.containerd.tracing.processor.v1.otlp"]
        [grpc]
          address = "\(socket)"
        [ttrpc]
          address = "\(socket).ttrpc"
        [debug]
          address = ""
        [metrics]
          address = ""
        [plugins."io.containerd.internal.v1.opt"]
          path = "\(directory)/opt"
        """
    }

    private func start() throws {
        try FileSystem.writeAtomically(directory + "/config.toml", text: configuration)
        let log = open(directory + "/containerd.log", O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        defer { close(log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, log, 1)
        posix_spawn_file_actions_adddup2(&actions, log, 2)
        let arguments = ["/usr/bin/containerd", "--config", directory + "/config.toml"]
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let spawned = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw SystemError(call: "posix_spawn", path: arguments[0], errno: spawned)
        }
        for _ in 0..<200 where !FileSystem.exists(socket) {
            usleep(50_000)
        }
        let output = (try? FileSystem.readText(directory + "/containerd.log")) ?? ""
        try #require(FileSystem.exists(socket), "containerd did not start: \(output)")
    }

    /// `ctr --address <socket> --namespace <namespace> <arguments>`.
    @discardableResult
    func ctr(_ arguments: [String]) throws -> CommandResult {
        try TestContainer.execute(["/usr/bin/ctr", "--address", socket,
                                   "--namespace", namespace] + arguments)
    }

    /// The `ctr run` flags that put runcs in runc's place, with a cgroup of the test's own.
    func runFlags(id: String) -> [String] {
        ["--runc-binary", TestContainer.runcsPath, "--runc-root", runtimeRoot,
         "--cgroup", "/" + id]
    }

    /// Status of task `id` as `ctr task ls` prints it (RUNNING, PAUSED, STOPPED).
    func taskStatus(_ id: String) throws -> String? {
        let listed = try ctr(["task", "ls"])
        for line in listed.output.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.first.map(String.init) == id, let status = fields.last {
                return String(status)
            }
        }
        return nil
    }

    func stop() {
        let tasks = (try? ctr(["task", "ls", "-q"]))?.output ?? ""
        for task in tasks.split(separator: "\n").map(String.init) {
            _ = try? ctr(["task", "kill", "--signal", "KILL", task])
            _ = try? ctr(["task", "delete", "--force", task])
        }
        let containers = (try? ctr(["containers", "ls", "-q"]))?.output ?? ""
        for container in containers.split(separator: "\n").map(String.init) {
            _ = try? ctr(["containers", "delete", container])
        }
        _ = try? ctr(["images", "rm", Self.image])
        if pid > 0 {
            kill(pid, SIGTERM)
            var status: Int32 = 0
            for _ in 0..<100 where waitpid(pid, &status, WNOHANG) == 0 {
                usleep(50_000)
            }
            kill(pid, SIGKILL)
            waitpid(pid, &status, 0)
        }
        Self.unmountEverything(under: directory)
        try? FileSystem.removeTree(directory)
    }

    /// Unmounts what containerd left mounted below `directory`, deepest first.
    static func unmountEverything(under directory: String) {
        let table = (try? FileSystem.readText("/proc/self/mountinfo")) ?? ""
        let points = table.split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: " ")
            guard fields.count > 4 else { return nil }
            let point = String(fields[4])
            return point.hasPrefix(directory + "/") ? point : nil
        }
        for point in points.sorted(by: { $0.count > $1.count }) {
            umount2(point, Int32(MNT_DETACH))
        }
    }
}
