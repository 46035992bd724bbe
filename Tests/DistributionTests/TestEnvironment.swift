#if canImport(Glibc)
import Glibc
#endif
import SystemKit
import TestKit

/// Paths, temporary directories, ports and child processes for the registry tests.
enum TestEnvironment {
    static var packageRoot: String { TestPaths.packageRoot }

    /// The shared material beside the worktree (`../shared`).
    static let shared = FileSystem.parent(of: packageRoot) + "/shared"
    static let ociArchive = shared + "/images/alpine-3.20.3-multiarch.oci.tar"
    static let registryScript = shared + "/registry/local-registry.sh"

    /// Fails with a clear message when the shared material is missing.
    static func requireShared() throws {
        for path in [ociArchive, registryScript] where !FileSystem.exists(path) {
            throw TestFailure("missing shared test material \"\(path)\" "
                + "(expected next to the package, in ../shared)")
        }
    }

    /// A new private directory under `parent`, else $TMPDIR or /tmp.
    static func temporaryDirectory(_ label: String, under parent: String? = nil) throws
        -> String
    {
        let base = parent ?? getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(base)/distribution-\(label)-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else {
            throw TestFailure("mkdtemp under \(base) failed: errno \(errno)")
        }
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) },
                      as: UTF8.self)
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket failed: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw TestFailure("bind failed: errno \(errno)") }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw TestFailure("getsockname failed: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Starts `arguments` (found on PATH) with its output in `logPath`; returns its pid.
    static func spawn(_ arguments: [String], logPath: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND,
                                         0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)

        // The child starts with no signals blocked or ignored: the test runner's threads
        // block some, and a server that inherited that could not be stopped with SIGTERM.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes,
                                 Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, environ)
        guard result == 0 else {
            throw TestFailure("cannot start \(arguments[0]): error \(result)")
        }
        return pid
    }

    /// Runs `arguments` to completion; throws with its output when it fails.
    @discardableResult
    static func run(_ arguments: [String], in directory: String) throws -> String {
        let logPath = directory + "/command-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).log"
        let pid = try spawn(arguments, logPath: logPath)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let output = (try? FileSystem.readText(logPath)) ?? ""
        unlink(logPath)
        guard status == 0 else {
            throw TestFailure("\(arguments.joined(separator: " ")) failed (status \(status)): "
                + output)
        }
        return output
    }

    /// Stops a process this test started, and reaps it.
    static func stop(_ pid: pid_t) {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    /// Waits up to `seconds` for `condition`.
    static func wait(seconds: Double, for condition: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
