import Glibc
import SystemKit
import Varlink

/// A contaird of a test's own: its socket, root, state and cgroup parent are private,
/// its image is imported with `ctrs image import`, and `stop()` deletes its
/// containers, stops it, unmounts what is left under its directory, removes its
/// cgroups and its directory. Call `stop()` in a `defer`.
final class PrivateDaemon: Sendable {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    let directory: String
    let cgroupParent: String
    let pid: pid_t
    /// The image the tests run: "alpine" (the shared archive) or "busybox:local".
    let image: String

    /// The daemon of the running suite (see `SharedDaemon`).
    @TaskLocal static var shared: PrivateDaemon?

    /// The daemon of the running suite; an error outside a `.sharedDaemon` suite.
    static func current() throws -> PrivateDaemon {
        guard let shared else {
            throw SetupFailure("no shared daemon: mark the suite with .sharedDaemon")
        }
        return shared
    }

    var socket: String { directory + "/s.sock" }

    init() throws {
        directory = try CtrsEnvironment.temporaryDirectory("ctrs-test")
        cgroupParent = "/contaird-test-" + CtrsEnvironment.uniqueSuffix()
        let arguments = [
            CtrsEnvironment.contaird, "--socket", directory + "/s.sock",
            "--root", directory + "/root", "--state", directory + "/state", "--group", "",
            "--cgroup-parent", cgroupParent, "--runtime", CtrsEnvironment.defaultRuntime,
        ]
        image = CtrsEnvironment.hasAlpine ? "alpine" : "busybox:local"
        pid = try Self.spawn(arguments, output: directory + "/daemon.log")
        do {
            try waitForSocket()
            try importImage()
        } catch {
            stop()
            throw error
        }
    }

    /// Runs ctrs against this daemon with `input` on its stdin; a ctrs still running
    /// after `timeout` seconds is killed (status 124).
    @discardableResult
    func ctrs(_ arguments: [String], input: String = "", timeout: Int = 60) throws -> Result {
        try Self.ctrs(["--socket", socket] + arguments, input: input, timeout: timeout)
    }

    static func ctrs(_ arguments: [String], input: String = "", timeout: Int = 60) throws
        -> Result
    {
        let command = ["timeout", "-s", "KILL", "\(timeout)", CtrsEnvironment.ctrs] + arguments
        let result = try Subprocess.run(command, input: Array(input.utf8))
        return Result(status: result.status,
                      stdout: String(decoding: result.output, as: UTF8.self),
                      stderr: String(decoding: result.error, as: UTF8.self))
    }

    /// Parses `text` as JSON.
    func json(_ text: String) throws -> JSONValue {
        try JSONParser.parse(text)
    }

    /// Polls `condition` every 50 ms for at most `seconds`; whether it came true.
    func eventually(_ seconds: Double = 10, _ condition: () throws -> Bool) rethrows -> Bool {
        var waited = 0.0
        while waited < seconds {
            if try condition() {
                return true
            }
            usleep(50_000)
            waited += 0.05
        }
        return try condition()
    }

    /// The mount points under this daemon's directory (and naming `containing`, when
    /// given), from /proc/self/mountinfo.
    func mountsUnderDirectory(containing: String = "") -> [String] {
        let text = (try? FileSystem.readText("/proc/self/mountinfo")) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 4, fields[4].hasPrefix(directory),
                containing.isEmpty || fields[4].contains(containing)
            else {
                return nil
            }
            return String(fields[4])
        }
    }

    /// Deletes every container, stops the daemon, then removes whatever it left.
    func stop() {
        if let listed = try? ctrs(["container", "ls", "-q"]), listed.status == 0 {
            let ids = listed.stdout.split(separator: "\n").map(String.init)
            if !ids.isEmpty {
                _ = try? ctrs(["container", "rm", "-f"] + ids)
            }
        }
        kill(pid, SIGTERM)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        for mount in mountsUnderDirectory().sorted(by: { $0.count > $1.count }) {
            umount2(mount, Int32(MNT_DETACH))
        }
        removeCgroups()
        try? FileSystem.removeTree(directory)
    }

    /// Removes the cgroup parent from every hierarchy, innermost directories first.
    private func removeCgroups() {
        guard let hierarchies = try? FileSystem.listDirectory("/sys/fs/cgroup") else {
            return
        }
        for hierarchy in hierarchies {
            removeCgroupTree("/sys/fs/cgroup/" + hierarchy + cgroupParent)
        }
    }

    private func removeCgroupTree(_ path: String) {
        guard FileSystem.isDirectory(path) else {
            return
        }
        for entry in (try? FileSystem.listDirectory(path)) ?? [] {
            let child = path + "/" + entry
            if FileSystem.isDirectory(child) {
                removeCgroupTree(child)
            }
        }
        rmdir(path)
    }

    private func waitForSocket() throws {
        let ready = eventually(10) { FileSystem.exists(socket) }
        guard ready else {
            let log = (try? FileSystem.readText(directory + "/daemon.log")) ?? ""
            throw SetupFailure("contaird did not create its socket within 10 s: \(log)")
        }
    }

    /// Imports the shared Alpine archive (tagged "alpine"), or else a busybox image
    /// made by scripts/make-busybox-image.sh.
    private func importImage() throws {
        var archive = CtrsEnvironment.alpineArchive
        if !CtrsEnvironment.hasAlpine {
            archive = directory + "/busybox.tar"
            let script = CtrsEnvironment.packageRoot + "/scripts/make-busybox-image.sh"
            let made = try Subprocess.run(["sh", script, archive])
            guard made.status == 0 else {
                throw SetupFailure("make-busybox-image.sh failed: "
                    + String(decoding: made.error, as: UTF8.self))
            }
        }
        let imported = try ctrs(["image", "import", archive])
        guard imported.status == 0 else {
            throw SetupFailure("ctrs image import \(archive) failed: \(imported.stderr)")
        }
        if image == "alpine" {
            let tagged = try ctrs(["image", "tag", "alpine:3.20.3", "alpine"])
            guard tagged.status == 0 else {
                throw SetupFailure("ctrs image tag failed: \(tagged.stderr)")
            }
        }
    }

    /// Starts `arguments` in the background with stdout and stderr in `output`.
    static func spawn(_ arguments: [String], output: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC,
                                         0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // The test runner's threads may block or ignore signals; the child starts clean.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var defaults = sigset_t()
        sigfillset(&defaults)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes,
                                 Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, arguments[0], &actions, &attributes, &argv, environ)
        guard result == 0 else {
            throw SystemError(call: "posix_spawn", path: arguments[0], errno: result)
        }
        return pid
    }
}

/// A test could not set up what it needs; the message says what failed.
struct SetupFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
