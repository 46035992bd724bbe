import Glibc
import SystemKit
import TestKit
import Testing

/// Helpers shared by the varlink tests: private directories, the package root, and
/// child processes with their output captured.
enum TestSupport {
    /// A logger for servers whose failures the tests provoke on purpose: to /dev/null.
    static let quietLogger = Logger(
        level: .error,
        output: (try? FileDescriptor.open("/dev/null", O_WRONLY)) ?? .standardError)

    /// A private directory under /tmp (short, so socket paths fit in sun_path).
    static func temporaryDirectory() throws -> String {
        try TestPaths.temporaryDirectory("varlink-test")
    }

    static func packageRoot() -> String { TestPaths.packageRoot }

    static func productsDirectory() -> String { TestPaths.productsDirectory }

    struct Finished {
        let status: Int32
        let output: String
    }

    /// Runs `arguments` (looked up in PATH) with stdout and stderr captured, and waits
    /// at most `timeout` for it; a process still running then is killed.
    static func run(_ arguments: [String], timeout: Duration = .seconds(60)) throws
        -> Finished
    {
        let directory = try temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        let outputPath = directory + "/output"
        let pid = try spawn(arguments, outputPath: outputPath)
        let status = wait(pid, timeout: timeout)
        let output = (try? FileSystem.readText(outputPath)) ?? ""
        return Finished(status: status, output: output)
    }

    /// Starts `arguments` with stdout and stderr going to `outputPath` (or /dev/null).
    static func spawn(_ arguments: [String], outputPath: String? = nil) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outputPath ?? "/dev/null",
                                         O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawnp(&pid, arguments[0], &actions, nil, &argv, environ)
        guard result == 0 else {
            throw SystemError(call: "posix_spawnp", path: arguments[0], errno: result)
        }
        return pid
    }

    /// Waits for `pid` for at most `timeout`, killing it then; returns its exit status
    /// (128 + signal when a signal ended it).
    static func wait(_ pid: pid_t, timeout: Duration) -> Int32 {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if clock.now > deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                break
            }
            usleep(5_000)
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// Waits until a socket appears at `path` (at most 10 seconds).
    static func waitForSocket(_ path: String) -> Bool {
        for _ in 0..<2000 {
            if FileSystem.exists(path) {
                return true
            }
            usleep(5_000)
        }
        return false
    }

    /// python3 with the PyPI `varlink` package importable, or nil with the reason
    /// recorded as a test issue.
    static func pythonWithVarlink() -> Bool {
        let probe = try? run(["python3", "-c", "import varlink"], timeout: .seconds(30))
        guard probe?.status == 0 else {
            Issue.record("""
                python3 cannot import the PyPI package varlink \
                (scripts/install-deps.sh installs it): \(probe?.output ?? "no python3")
                """)
            return false
        }
        return true
    }
}
