import Glibc
import SystemKit
import TestKit
import Testing

/// Helpers for the daemon tests: private directories, the package and product paths,
/// child processes with their output captured, and blocking work moved off the
/// cooperative thread pool.
enum TestProcess {
    /// A private directory under /tmp, made by mkdtemp.
    static func temporaryDirectory(_ prefix: String = "cdt") throws -> String {
        try TestPaths.temporaryDirectory(prefix)
    }

    static func packageRoot() -> String { TestPaths.packageRoot }

    static func productsDirectory() -> String { TestPaths.productsDirectory }

    struct Finished {
        let status: Int32
        let output: String
    }

    /// Runs `arguments` (looked up in PATH) with stdout and stderr captured, killing it
    /// after `timeout` seconds.
    static func run(_ arguments: [String], timeout: Double = 60) throws -> Finished {
        let directory = try temporaryDirectory("cdt-run")
        defer { try? FileSystem.removeTree(directory) }
        let outputPath = directory + "/output"
        let pid = try spawn(arguments, outputPath: outputPath)
        let status = wait(pid, timeout: timeout)
        let output = (try? FileSystem.readText(outputPath)) ?? ""
        return Finished(status: status, output: output)
    }

    /// Starts `arguments` with stdout and stderr appended to `outputPath` (or /dev/null)
    /// and stdin on /dev/null.
    static func spawn(_ arguments: [String], outputPath: String? = nil,
                      environment: [String] = []) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outputPath ?? "/dev/null",
                                         O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var inherited: [String] = []
        var entry = environ
        while let pointer = entry.pointee {
            inherited.append(String(cString: pointer))
            entry += 1
        }
        var envp: [UnsafeMutablePointer<CChar>?] = (inherited + environment).map { strdup($0) }
            + [nil]
        defer { envp.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawnp(&pid, arguments[0], &actions, nil, &argv, &envp)
        guard result == 0 else {
            throw SystemError(call: "posix_spawnp", path: arguments[0], errno: result)
        }
        return pid
    }

    /// Waits for `pid` at most `timeout` seconds, killing it then; returns its exit
    /// status (128 + signal when a signal ended it).
    @discardableResult
    static func wait(_ pid: pid_t, timeout: Double) -> Int32 {
        let deadline = monotonicSeconds() + timeout
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if monotonicSeconds() > deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                break
            }
            usleep(5_000)
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// Waits until `condition` holds, checking every 20 ms; false when `seconds` pass.
    static func eventually(within seconds: Double = 10, _ condition: () throws -> Bool)
        rethrows -> Bool
    {
        let deadline = monotonicSeconds() + seconds
        while monotonicSeconds() < deadline {
            if try condition() {
                return true
            }
            usleep(20_000)
        }
        return try condition()
    }

    /// A port on loopback that nothing listens on right now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SystemError(call: "socket", path: "", errno: errno) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length)
            }
        }
        guard bound == 0 else { throw SystemError(call: "bind", path: "", errno: errno) }
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                _ = getsockname(fd, $0, &length)
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Runs blocking work (socket calls, waits) on a thread of its own, so that many tests
/// blocking at once do not starve the cooperative pool (two threads on two cores). The
/// work stays in the calling task, so expectations inside it belong to its test.
func blocking<T: Sendable>(_ body: () throws -> T) async throws -> T {
    let executor = try ThreadExecutor()
    defer { executor.finish() }
    return try await withTaskExecutorPreference(executor) {
        try body()
    }
}

/// A task executor that runs its jobs on one dedicated thread.
final class ThreadExecutor: TaskExecutor, @unchecked Sendable {
    var mutex = pthread_mutex_t()
    var condition = pthread_cond_t()
    var jobs: [UnownedJob] = []
    var finished = false

    init() throws {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
        try DetachedThread.start(name: "test-executor") { [self] in loop() }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        pthread_mutex_lock(&mutex)
        jobs.append(unowned)
        pthread_cond_signal(&condition)
        pthread_mutex_unlock(&mutex)
    }

    /// Lets the thread end once its queue is empty.
    func finish() {
        pthread_mutex_lock(&mutex)
        finished = true
        pthread_cond_signal(&condition)
        pthread_mutex_unlock(&mutex)
    }

    func loop() {
        while true {
            pthread_mutex_lock(&mutex)
            while jobs.isEmpty && !finished {
                pthread_cond_wait(&condition, &mutex)
            }
            if jobs.isEmpty {
                pthread_mutex_unlock(&mutex)
                return
            }
            let job = jobs.removeFirst()
            pthread_mutex_unlock(&mutex)
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
