import FoundationEssentials
import Glibc
import RuntimeKit
import SystemKit
import TestKit
import Testing

/// What a finished runcs (or other) command left behind.
struct CommandResult {
    let status: Int32
    let output: String
    let error: String
}

/// A bundle in a private temporary directory, with a busybox rootfs and its own state
/// root, driven through the built `runcs` binary exactly as a user or supervisor would.
/// `cleanUp()` deletes every container it made and the directory.
final class TestContainer: @unchecked Sendable {
    let directory: String
    var bundle: String { "\(directory)/bundle" }
    var rootfs: String { "\(bundle)/rootfs" }
    var stateRoot: String { "\(directory)/state" }
    var spec: Spec

    /// Busybox applets the tests call inside containers.
    static let applets = ["sh", "ls", "cat", "echo", "id", "hostname", "mount", "true", "sleep",
                         "readlink", "grep", "tty", "stty", "touch", "stat", "ps", "pwd",
                         "env", "head", "sed", "test", "wc", "nsenter"]

    init(args: [String]) throws {
        directory = try Self.temporaryDirectory(prefix: "runcs-test")
        spec = Spec.makeDefault()
        spec.process?.terminal = false
        spec.process?.args = args
        // A cgroup of its own at the top level, which runcs delete removes whole: the
        // default, /runcs/<id>, would leave the shared /runcs parent behind.
        spec.linux?.cgroupsPath = "/" + String(directory.split(separator: "/").last!)
        try FileSystem.createDirectory("\(directory)/bundle/rootfs/bin")
        try FileSystem.createDirectory("\(directory)/bundle/rootfs/tmp")
        try Self.copyFile("/bin/busybox", to: "\(rootfs)/bin/busybox", mode: 0o755)
        for applet in Self.applets {
            symlink("busybox", "\(rootfs)/bin/\(applet)")
        }
    }

    /// The real Alpine 3.20.3 minirootfs from ../shared/images.
    static let alpineTarball = TestPaths.shared
        + "/images/alpine-minirootfs-3.20.3-x86_64.tar.gz"

    /// A TestContainer whose rootfs is Alpine, unpacked with tar, running `args`.
    static func alpine(args: [String]) throws -> TestContainer {
        try #require(FileSystem.exists(alpineTarball),
                     "Alpine rootfs missing: expected \(alpineTarball) (the shared images)")
        let container = try TestContainer(args: args)
        try FileSystem.removeTree(container.rootfs)
        try FileSystem.createDirectory(container.rootfs)
        let unpack = try execute(["/bin/tar", "-xzf", alpineTarball, "-C", container.rootfs])
        try #require(unpack.status == 0, "tar: \(unpack.error)")
        return container
    }

    /// A unique container id for this test.
    func makeID(_ name: String) -> String {
        "\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    func writeSpec() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted]
        try FileSystem.writeAtomically("\(bundle)/config.json", Array(encoder.encode(spec)))
    }

    /// `runcs --root <state> <arguments>`, config.json written first.
    @discardableResult
    func runcs(_ arguments: [String], extraFD: Int32? = nil) throws -> CommandResult {
        try writeSpec()
        return try Self.execute([Self.runcsPath, "--root", stateRoot] + arguments,
                                extraFD: extraFD)
    }

    /// `runcs run` of the bundle: its output and exit status.
    func run(_ id: String? = nil) throws -> CommandResult {
        try runcs(["run", "--bundle", bundle, id ?? makeID("run")])
    }

    /// `runcs run --detach` of the bundle as a new container named after `name`; the
    /// test stops here unless it runs. Returns its id.
    func runDetached(_ name: String) throws -> String {
        let id = makeID(name)
        let started = try runcs(["run", "--detach", "--bundle", bundle, id])
        try #require(started.status == 0, "\(started.error)")
        return id
    }

    /// The host pid of container `id`'s init, from `runcs state`.
    func initPID(_ id: String) throws -> Int32 {
        let result = try runcs(["state", id])
        let report = try JSONDecoder().decode(StateReport.self, from: Data(result.output.utf8))
        return report.pid
    }

    func cleanUp() {
        let ids = (try? FileSystem.listDirectory(stateRoot)) ?? []
        for id in ids {
            _ = try? Self.execute([Self.runcsPath, "--root", stateRoot, "delete", "--force", id])
        }
        try? FileSystem.removeTree(directory)
    }

    /// The runcs binary built beside this test bundle.
    static var runcsPath: String { TestPaths.productsDirectory + "/runcs" }

    /// A private directory under /tmp, open to the container's users (mkdtemp makes 0700).
    static func temporaryDirectory(prefix: String) throws -> String {
        let directory = try TestPaths.temporaryDirectory(prefix)
        chmod(directory, 0o755)
        return directory
    }

    /// Everything read from the pty `master` until its other side is gone (or nothing
    /// comes for 5 s).
    static func readAll(_ master: Int32) -> String {
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            var poller = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 5000) > 0 else { break }
            let got = read(master, &buffer, buffer.count)
            guard got > 0 else { break }
            output += buffer[..<got]
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// A seccomp profile that allows everything but mkdir and mkdirat, which fail with
    /// EPERM.
    static let mkdirRefusingProfile: JSONValue = .object([
        "defaultAction": .string("SCMP_ACT_ALLOW"),
        "syscalls": .array([.object([
            "names": .array([.string("mkdir"), .string("mkdirat")]),
            "action": .string("SCMP_ACT_ERRNO"),
            "errnoRet": .integer(1),
        ])]),
    ])

    /// A listening Unix socket at `path`, as a console socket's listener.
    static func makeListener(at path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0, Glibc.listen(fd, 1) == 0 else {
            throw SystemError(call: "bind", path: path, errno: errno)
        }
        return fd
    }

    static func copyFile(_ source: String, to destination: String, mode: mode_t) throws {
        let bytes = try FileSystem.read(source)
        try FileSystem.writeAtomically(destination, bytes, mode: mode)
        chmod(destination, mode)
    }

    /// Runs `arguments` with stdout and stderr captured; `extraFD` is passed on as fd 7.
    static func execute(_ arguments: [String], extraFD: Int32? = nil) throws -> CommandResult {
        try spawn(arguments, extraFD: extraFD).wait()
    }

    /// Starts `arguments` with stdout and stderr going to private files, which a
    /// container left running may keep open without holding up the test.
    static func spawn(_ arguments: [String], extraFD: Int32? = nil) throws -> SpawnedCommand {
        let outputDirectory = try temporaryDirectory(prefix: "runcs-output")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "\(outputDirectory)/out",
                                         O_WRONLY | O_CREAT, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "\(outputDirectory)/err",
                                         O_WRONLY | O_CREAT, 0o600)
        if let extraFD {
            posix_spawn_file_actions_adddup2(&actions, extraFD, 7)
        }
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        guard spawned == 0 else {
            try? FileSystem.removeTree(outputDirectory)
            throw SystemError(call: "posix_spawn", path: arguments[0], errno: spawned)
        }
        return SpawnedCommand(pid: pid, outputDirectory: outputDirectory)
    }
}

/// A command started by `TestContainer.spawn`.
struct SpawnedCommand {
    let pid: pid_t
    let outputDirectory: String

    /// Waits for the command and collects its output.
    func wait() -> CommandResult {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let output = (try? FileSystem.readText("\(outputDirectory)/out")) ?? ""
        let error = (try? FileSystem.readText("\(outputDirectory)/err")) ?? ""
        try? FileSystem.removeTree(outputDirectory)
        return CommandResult(status: code, output: output, error: error)
    }
}

/// The package root.
func packageRoot() -> String { TestPaths.packageRoot }
