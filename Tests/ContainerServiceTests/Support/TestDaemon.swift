import Glibc
import Synchronization
import SystemKit
import Testing
import Varlink

/// A private, real `contaird` (the binary built beside the test bundle) on private
/// directories, a private socket and a private cgroup parent, driven over its socket.
///
/// `shutdown()` undoes everything: force-deletes the containers, stops the daemon,
/// deletes what the runtime still knows, kills the monitors, unmounts whatever is
/// mounted under the private directory, removes the cgroup parent in every hierarchy
/// and the directory itself.
final class TestDaemon: @unchecked Sendable {
    /// The OCI runtime the daemon runs containers with: the bundled runcs built beside
    /// the tests, the daemon's own default (Debian's runc with CONTAIRD_TEST_RUNTIME=runc).
    static let runtime = getenv("CONTAIRD_TEST_RUNTIME").map { String(cString: $0) } == "runc"
        ? "/usr/sbin/runc" : TestProcess.productsDirectory() + "/runcs"

    /// The daemon of the suite being run (set by the `.privateDaemon` trait).
    @TaskLocal static var current: TestDaemon?

    let base: String
    var root: String { base + "/root" }
    var state: String { base + "/state" }
    var socketPath: String { base + "/contaird.sock" }
    var logPath: String { base + "/daemon.log" }
    let cgroupParent: String
    /// Flags added to the daemon's command line.
    let extraArguments: [String]
    let processID = Mutex<pid_t>(0)

    /// The image every container of the tests runs.
    var image: String { TestImage.shared.name }

    init(extraArguments: [String] = []) throws {
        self.extraArguments = extraArguments
        signal(SIGPIPE, SIG_IGN)
        base = try TestProcess.temporaryDirectory("cdt")
        cgroupParent = "/contaird-test-\(UInt32.random(in: 0...UInt32.max))"
    }

    static var binary: String { TestProcess.productsDirectory() + "/contaird" }

    var client: DaemonClient { DaemonClient(socketPath: socketPath) }

    /// The command line of this daemon.
    var command: [String] {
        [Self.binary, "--socket", socketPath, "--root", root, "--state", state, "--group", "",
         "--runtime", Self.runtime, "--cgroup-parent", cgroupParent, "--log-level", "info"]
            + extraArguments
    }

    /// Starts the daemon and waits until it answers on its socket.
    func start(environment: [String] = []) throws {
        try #require(access(Self.binary, X_OK) == 0, "\(Self.binary) is not built")
        try #require(access(Self.runtime, X_OK) == 0,
                     "\(Self.runtime) is missing: install Debian's runc")
        let pid = try TestProcess.spawn(command, outputPath: logPath, environment: environment)
        processID.withLock { $0 = pid }
        let answered = TestProcess.eventually(within: 20) {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                return true
            }
            return (try? client.call("org.varlink.service.GetInfo")) != nil
        }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid {
            processID.withLock { $0 = 0 }
            Issue.record("contaird exited at start: \(log())")
            throw SystemError(call: "contaird", path: socketPath, errno: ECHILD)
        }
        try #require(answered, "contaird did not answer on \(socketPath): \(log())")
    }

    /// The daemon's output so far.
    func log() -> String {
        (try? FileSystem.readText(logPath)) ?? ""
    }

    /// Sends `signal` to the daemon and reaps it.
    func stop(signal: Int32 = SIGTERM) {
        let pid = processID.withLock { pid in
            defer { pid = 0 }
            return pid
        }
        guard pid > 0 else { return }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid {
            Issue.record("contaird died on its own (wait status \(status)): \(log())")
            return
        }
        kill(pid, signal)
        TestProcess.wait(pid, timeout: 10)
    }

    /// Imports the test image through Images.Import.
    func importImage() throws {
        let archive = try TestImage.shared.archive(in: base)
        let images = try client.importArchive(path: archive)
        try #require(images.contains(image), "import gave \(images), not \(image)")
    }

    /// Removes everything the daemon and its containers left, ignoring what is gone.
    func shutdown() {
        if processID.withLock({ $0 }) > 0,
           let list = try? client.call("io.contaird.Containers.List"),
           let containers = list["containers"]?.arrayValue {
            for container in containers {
                guard let id = container["id"]?.stringValue else { continue }
                _ = try? client.call("io.contaird.Containers.Delete",
                                     ["id": .string(id), "force": true])
            }
        }
        stop()
        let runtimeRoot = state + "/runtime"
        if let listed = try? TestProcess.run([Self.runtime, "--root", runtimeRoot, "list", "-q"]) {
            for id in listed.output.split(separator: "\n") {
                _ = try? TestProcess.run([Self.runtime, "--root", runtimeRoot, "delete",
                                          "--force", String(id)])
            }
        }
        killProcesses(mentioning: base)
        unmountEverything(under: base)
        removeCgroups(cgroupParent)
        try? FileSystem.removeTree(base)
    }

    /// Kills the processes (monitors, containers' helpers) whose command line names
    /// this daemon's private directory.
    func killProcesses(mentioning directory: String) {
        guard let entries = try? FileSystem.listDirectory("/proc") else { return }
        for entry in entries {
            guard let pid = pid_t(entry), pid != getpid(),
                  let bytes = try? FileSystem.read("/proc/\(pid)/cmdline") else { continue }
            let commandLine = String(decoding: bytes.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            if commandLine.contains(directory) {
                kill(pid, SIGKILL)
            }
        }
    }

    /// Unmounts, deepest first, every mount point under `directory`.
    func unmountEverything(under directory: String) {
        for _ in 0..<3 {
            guard let text = try? FileSystem.readText("/proc/self/mountinfo") else { return }
            let points = text.split(separator: "\n").compactMap { line -> String? in
                let fields = line.split(separator: " ")
                guard fields.count > 4 else { return nil }
                let point = String(fields[4])
                return point.hasPrefix(directory + "/") ? point : nil
            }
            if points.isEmpty { return }
            for point in points.sorted(by: { $0.count > $1.count }) {
                umount2(point, Int32(MNT_DETACH))
            }
        }
    }

    /// Removes `parent` (and what is below it) in every cgroup hierarchy.
    func removeCgroups(_ parent: String) {
        guard let hierarchies = try? FileSystem.listDirectory("/sys/fs/cgroup") else { return }
        for hierarchy in hierarchies {
            let path = "/sys/fs/cgroup/" + hierarchy + parent
            if FileSystem.isDirectory(path) {
                removeCgroupTree(path)
            }
        }
        if FileSystem.isDirectory("/sys/fs/cgroup" + parent) {
            removeCgroupTree("/sys/fs/cgroup" + parent)
        }
    }

    /// Kills what is left in the cgroup at `path` (processes of this daemon's
    /// containers only: the cgroup parent is private) and removes it, deepest first.
    func removeCgroupTree(_ path: String) {
        for entry in (try? FileSystem.listDirectory(path)) ?? [] {
            let child = path + "/" + entry
            if FileSystem.isDirectory(child) {
                removeCgroupTree(child)
            }
        }
        if FileSystem.exists(path + "/freezer.state") {
            try? FileSystem.writeKnob(path + "/freezer.state", "THAWED")
        }
        let members = (try? FileSystem.readText(path + "/cgroup.procs")) ?? ""
        for pid in members.split(separator: "\n").compactMap({ pid_t($0) }) {
            kill(pid, SIGKILL)
        }
        for _ in 0..<50 {
            if rmdir(path) == 0 || errno == ENOENT { return }
            usleep(20_000)
        }
    }

    /// The cgroup directories under `parent` that remain, for checks of cleanup.
    static func cgroupDirectories(_ parent: String) -> [String] {
        let hierarchies = (try? FileSystem.listDirectory("/sys/fs/cgroup")) ?? []
        return hierarchies.map { "/sys/fs/cgroup/" + $0 + parent }
            .filter { FileSystem.isDirectory($0) }
    }

    /// Runs `body` with a started daemon that has the test image, and removes
    /// everything afterwards, whether `body` succeeds or not.
    static func with<T>(importImage: Bool = true, arguments: [String] = [],
                        _ body: (TestDaemon) async throws -> T) async throws -> T
    {
        let daemon = try TestDaemon(extraArguments: arguments)
        defer { daemon.shutdown() }
        try await blocking {
            try daemon.start()
            if importImage {
                try daemon.importImage()
            }
        }
        return try await body(daemon)
    }
}

/// Gives a suite one private daemon for all its tests (`@Suite(.privateDaemon)`), in
/// `TestDaemon.current`.
struct PrivateDaemonTrait: SuiteTrait, TestScoping {
    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws
    {
        try await TestDaemon.with { daemon in
            try await TestDaemon.$current.withValue(daemon) {
                try await function()
            }
        }
    }
}

extension Trait where Self == PrivateDaemonTrait {
    static var privateDaemon: Self { PrivateDaemonTrait() }
}

/// A unique container id for a test.
func uniqueID(_ name: String) -> String {
    "\(name)-\(UInt32.random(in: 0...UInt32.max))"
}
