import Glibc
import SystemKit
import TestKit
import Testing

/// Helpers shared by the RuntimeSupport tests.
enum TestSupport {
    /// A name no other test (or other engineer's test) uses: "runcs-test-<hex>".
    static func uniqueName(_ prefix: String = "runcs-test") -> String {
        prefix + "-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
    }

    /// Starts `arguments[0]` with `arguments` and returns its pid. The child gets an empty
    /// signal mask and default dispositions (test threads may block signals, and a child
    /// inherits that), and, when given, `input` as its stdin and `output` as its stdout.
    static func spawn(
        _ arguments: [String],
        environment: [String] = [],
        input: Int32? = nil,
        output: Int32? = nil,
        error: Int32? = nil
    ) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let input {
            posix_spawn_file_actions_adddup2(&actions, input, 0)
        }
        if let output {
            posix_spawn_file_actions_adddup2(&actions, output, 1)
        }
        if let error {
            posix_spawn_file_actions_adddup2(&actions, error, 2)
        }

        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        let result = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, envp)
        if result != 0 {
            throw SpawnError(program: arguments[0], code: result)
        }
        return pid
    }

    /// A pipe whose both ends are close-on-exec (dup2 onto 0 or 1 clears the flag).
    static func pipe() throws -> (read: Int32, write: Int32) {
        let ends = try FileDescriptor.pipe()
        return (ends.read.rawValue, ends.write.rawValue)
    }

    /// Reads one line (without its newline) from `fd`.
    static func readLine(_ fd: Int32) -> String {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while read(fd, &byte, 1) == 1 && byte != UInt8(ascii: "\n") {
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The probe executable built beside the test bundle.
    static var probePath: String { TestPaths.productsDirectory + "/runtime-support-probe" }

    /// Runs `arguments` and returns what it wrote to stdout and stderr.
    static func spawnOutput(_ arguments: [String]) throws -> String {
        let output = try pipe()
        let pid = try spawn(arguments, output: output.write, error: output.write)
        close(output.write)
        defer { close(output.read) }
        let text = readAll(output.read)
        wait(pid)
        return text
    }

    /// Everything readable from `fd` until end of file.
    static func readAll(_ fd: Int32) -> String {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let got = read(fd, &buffer, buffer.count)
            if got <= 0 { break }
            bytes += buffer[0..<got]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Runs the probe with `arguments`; returns its wait status and what it wrote to
    /// stdout and stderr.
    static func runProbe(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try #require(
            exists(probePath),
            "\(probePath) is missing: build it with `swift build --build-tests`")
        let output = try pipe()
        let pid = try spawn([probePath] + arguments, output: output.write, error: output.write)
        close(output.write)
        let text = readAll(output.read)
        close(output.read)
        return (wait(pid), text)
    }

    /// Waits for `pid` and returns its raw wait status.
    @discardableResult
    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status
    }

    /// Kills `pid` with SIGKILL and reaps it; for cleanup paths.
    static func killAndReap(_ pid: pid_t) {
        kill(pid, SIGKILL)
        wait(pid)
    }

    /// The "State:" line of /proc/PID/status, such as "S (sleeping)".
    static func processState(_ pid: pid_t) -> String? {
        guard let text = try? readFile("/proc/\(pid)/status") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("State:") {
            return line.dropFirst("State:".count).trimmingCharacters()
        }
        return nil
    }

    /// The text of a file, read with plain libc calls so tests do not depend on the code
    /// under test to check it.
    static func readFile(_ path: String) throws -> String {
        guard let file = fopen(path, "r") else {
            throw SpawnError(program: path, code: errno)
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let got = fread(&buffer, 1, buffer.count, file)
            if got == 0 { break }
            bytes += buffer[0..<got]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether `path` exists.
    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }
}

/// A failed posix_spawn or fopen in a test helper.
struct SpawnError: Error, CustomStringConvertible {
    var program: String
    var code: Int32
    var description: String { "\(program): \(String(cString: strerror(code)))" }
}

extension Substring {
    /// Without leading and trailing spaces, tabs and newlines.
    func trimmingCharacters() -> String {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" || last == "\n" {
            text = text.dropLast()
        }
        return String(text)
    }
}
