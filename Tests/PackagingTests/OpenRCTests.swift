import Glibc
import SystemKit
import Testing
import Varlink

/// The OpenRC service run for real with Debian's `openrc` package, without OpenRC having
/// booted the machine. What openrc-run needs then, found by trying:
///
/// - its service directory, /run/openrc, with the state subdirectories that `openrc
///   sysinit` would make (started, starting, stopping, inactive, wasinactive, failed,
///   hotplugged, daemons, options, exclusive, scheduled, tmp); without `exclusive` every
///   start fails as "contaird is already starting";
/// - /run/openrc/softlevel, the current runlevel's name; without it openrc-run refuses
///   with "You are attempting to run an openrc service on a system which openrc did not
///   boot". Any name does: nothing else of that runlevel is started.
///
/// All of it happens in a private mount namespace: a tmpfs on /run, a private copy of
/// /etc bound over /etc (install.sh's group and files land there), and an empty tmpfs
/// on /etc/init.d so that OpenRC sees only contaird and not the host's
/// LSB scripts. `openrc sysinit` is never run: it would start the host's sysinit set.
@Suite("OpenRC service", .serialized)
struct OpenRCTests {
    static let openrcStateDirectories = ["started", "starting", "stopping", "inactive",
                                         "wasinactive", "failed", "hotplugged", "daemons",
                                         "options", "exclusive", "scheduled", "tmp"]

    static let reasonToSkip: String? = {
        guard PackagingEnvironment.isRoot else {
            return "needs root for namespaces and mounts"
        }
        for program in ["rc-service", "openrc-run", "supervise-daemon", "unshare", "nsenter"]
            where !PackagingEnvironment.hasProgram(program) && !FileSystem.exists("/sbin/"
                                                                                 + program) {
            return "\(program) is missing: install Debian's openrc (scripts/install-deps.sh)"
        }
        if let missing = PackagingEnvironment.missingBinaries() {
            return missing
        }
        guard FileSystem.exists(PackagingEnvironment.alpineImageArchive) else {
            return "\(PackagingEnvironment.alpineImageArchive) is missing"
        }
        return FileSystem.exists("/usr/sbin/runc") ? nil : "Debian's runc is missing"
    }()

    @Test("rc-service starts contaird, stop leaves its containers running",
          .enabled(if: reasonToSkip == nil, "\(reasonToSkip ?? "")"))
    func startStatusStop() throws {
        let directory = try PackagingEnvironment.temporaryDirectory("pkg-openrc")
        let suffix = PackagingEnvironment.uniqueSuffix()
        let cgroupParent = "/pkg-openrc-" + suffix
        let namespace: PrivateMountNamespace
        do {
            namespace = try PrivateMountNamespace()
        } catch {
            try? FileSystem.removeTree(directory)
            throw error
        }
        let socket = directory + "/s.sock"
        var containerPid: pid_t = 0
        defer {
            _ = try? CommandResult.run([PackagingEnvironment.product("ctrs"), "--socket",
                                        socket, "container", "rm", "-f", "pk-" + suffix])
            _ = try? namespace.run(["rc-service", "contaird", "stop"])
            if containerPid > 0 {
                kill(containerPid, SIGKILL)
            }
            namespace.stop()
            PackagingEnvironment.removeCgroups(cgroupParent)
            try? FileSystem.removeTree(directory)
        }

        // The private /run and /etc; the host's files stay untouched. /etc is a copy, not
        // an overlay on the live /etc: other tests add groups on the host meanwhile, and
        // an overlay's lower layer must not change while it is mounted.
        try Self.copyHostConfiguration(to: directory + "/etc")
        try namespace.mustRun(["mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", "/run"])
        try namespace.mustRun(["mount", "--bind", directory + "/etc", "/etc"])
        try namespace.mustRun(["mount", "-t", "tmpfs", "tmpfs", "/etc/init.d"])

        // What `openrc sysinit` would have made, without starting anything.
        let stateDirectories = Self.openrcStateDirectories.map { "/run/openrc/" + $0 }
        try namespace.mustRun(["mkdir", "-p"] + stateDirectories)
        try namespace.mustRun(["sh", "-c", "echo default > /run/openrc/softlevel"])

        // A real install (no DESTDIR) into the private /etc: the service, its settings
        // and the contaird group, then settings pointing at the test's directories.
        let prefix = directory + "/usr"
        let hostHadGroup = try CommandResult.run(["getent", "group", "contaird"]).succeeded
        let installed = try namespace.run([
            PackagingEnvironment.packageRoot + "/packaging/install.sh", "--init", "openrc",
            "--prefix", prefix, "--bin-dir", PackagingEnvironment.productsDirectory,
        ])
        try #require(installed.succeeded, "\(installed)")
        #expect(try namespace.run(["getent", "group", "contaird"]).succeeded)
        #expect(try CommandResult.run(["getent", "group", "contaird"]).succeeded
                == hostHadGroup, "install.sh in the namespace changed the host's groups")
        let settings = """
            CONTAIRD_SOCKET="\(socket)"
            CONTAIRD_ROOT="\(directory)/root"
            CONTAIRD_STATE="\(directory)/state"
            CONTAIRD_LOG_FILE="\(directory)/log/contaird.log"
            CONTAIRD_LOG_LEVEL="info"
            CONTAIRD_OPTS="--cgroup-parent \(cgroupParent) --runtime /usr/sbin/runc"

            """
        // checkconfig names a missing binary, then with the right one creates the
        // directories the settings name.
        let wrongBinary = directory + "/no-such-contaird"
        try FileSystem.writeAtomically(directory + "/contaird.conf",
                                       text: settings + "CONTAIRD_BINARY=\(wrongBinary)\n")
        try namespace.mustRun(["cp", directory + "/contaird.conf", "/etc/conf.d/contaird"])
        let refused = try namespace.run(["rc-service", "contaird", "checkconfig"])
        #expect(!refused.succeeded, "\(refused)")
        #expect((refused.stdout + refused.stderr).contains("not found or not executable: "
                                                           + wrongBinary), "\(refused)")
        try FileSystem.writeAtomically(directory + "/contaird.conf", text: settings)
        try namespace.mustRun(["cp", directory + "/contaird.conf", "/etc/conf.d/contaird"])
        let checked = try namespace.run(["rc-service", "contaird", "checkconfig"])
        #expect(checked.succeeded, "\(checked)")
        #expect(FileSystem.isDirectory(directory + "/root"))
        #expect(FileSystem.isDirectory(directory + "/log"))

        let started = try namespace.run(["rc-service", "contaird", "start"])
        try #require(started.succeeded, "\(started)\n\(log(directory))")
        let status = try namespace.run(["rc-service", "contaird", "status"])
        #expect(status.succeeded && status.stdout.contains("started"), "\(status)")

        // The daemon answers on the socket once it is ready.
        let ctrs = [prefix + "/bin/ctrs", "--socket", socket]
        var info = try CommandResult.run(ctrs + ["info", "--format", "json"])
        _ = PackagingEnvironment.eventually(10) {
            info = (try? CommandResult.run(ctrs + ["info", "--format", "json"])) ?? info
            return info.succeeded
        }
        try #require(info.succeeded, "\(info)\n\(log(directory))")
        let daemonPid = pid_t(try JSONParser.parse(info.stdout)["pid"]?.intValue ?? 0)
        #expect(daemonPid > 0)
        #expect(try JSONParser.parse(info.stdout)["rootDirectory"]?.stringValue
                == directory + "/root")

        // reload signals the daemon, which logs it and keeps serving.
        let reloaded = try namespace.run(["rc-service", "contaird", "reload"])
        #expect(reloaded.succeeded, "\(reloaded)")
        #expect(PackagingEnvironment.eventually(5) { log(directory).contains("reload requested") },
                "\(log(directory))")

        // The socket belongs to the group install.sh created, mode 0660.
        var socketStatus = stat()
        #expect(stat(socket, &socketStatus) == 0)
        #expect(socketStatus.st_mode & 0o777 == 0o660)

        // A container started through the service's daemon.
        let imported = try CommandResult.run(ctrs + ["image", "import", "-q",
                                                     PackagingEnvironment.alpineImageArchive])
        try #require(imported.succeeded, "\(imported)")
        let container = "pk-" + suffix
        let ran = try CommandResult.run(ctrs + ["run", "-d", "alpine:3.20.3", container,
                                                "sleep", "600"])
        try #require(ran.succeeded, "\(ran)\n\(log(directory))")
        let tasks = try CommandResult.run(ctrs + ["task", "ls", "--format", "json"])
        try #require(tasks.succeeded, "\(tasks)")
        containerPid = pid_t(try JSONParser.parse(tasks.stdout).arrayValue?.first?["pid"]?
            .intValue ?? 0)
        try #require(containerPid > 0, "no pid in \(tasks.stdout)")

        let stopped = try namespace.run(["rc-service", "contaird", "stop"])
        #expect(stopped.succeeded, "\(stopped)")
        let statusAfter = try namespace.run(["rc-service", "contaird", "status"])
        #expect(statusAfter.stdout.contains("stopped"), "\(statusAfter)")
        #expect(PackagingEnvironment.eventually(5) { !PackagingEnvironment.isAlive(daemonPid) },
                "the daemon (pid \(daemonPid)) still runs after stop")
        #expect(PackagingEnvironment.eventually(5) { !FileSystem.exists(socket) },
                "the socket outlived the daemon")
        #expect(PackagingEnvironment.isAlive(containerPid),
                "the container (pid \(containerPid)) died with the daemon")

        // The next start finds the container still running.
        let restarted = try namespace.run(["rc-service", "contaird", "start"])
        try #require(restarted.succeeded, "\(restarted)\n\(log(directory))")
        var listed = try CommandResult.run(ctrs + ["task", "ls", "--format", "json"])
        _ = PackagingEnvironment.eventually(10) {
            listed = (try? CommandResult.run(ctrs + ["task", "ls", "--format", "json"]))
                ?? listed
            return listed.succeeded
        }
        let task = try JSONParser.parse(listed.stdout).arrayValue?.first
        #expect(task?["id"]?.stringValue == container, "\(listed)")
        #expect(task?["status"]?.stringValue == "running", "\(listed)")
    }

    /// Copies /etc to `copy`. Other tests' useradd and groupadd come and go meanwhile:
    /// a lock file that vanishes under cp makes it fail (then it is tried again), and one
    /// that is copied belongs to a process outside the namespace (so it is removed).
    static func copyHostConfiguration(to copy: String) throws {
        var copied = try CommandResult.run(["cp", "-a", "/etc", copy])
        for _ in 0..<5 where !copied.succeeded {
            try? FileSystem.removeTree(copy)
            usleep(100_000)
            copied = try CommandResult.run(["cp", "-a", "/etc", copy])
        }
        guard copied.succeeded else {
            throw SetupFailure("\(copied)")
        }
        for entry in try FileSystem.listDirectory(copy) where entry.hasSuffix(".lock")
            && entry != ".pwd.lock" {
            unlink(copy + "/" + entry)
        }
    }

    func log(_ directory: String) -> String {
        "daemon log: " + ((try? FileSystem.readText(directory + "/log/contaird.log")) ?? "none")
    }
}
