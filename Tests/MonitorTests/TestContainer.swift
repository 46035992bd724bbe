import JSON
import Glibc
import MonitorClient
import SystemKit
import Testing

/// A container for one test: a private directory holding a busybox bundle, the runtime's
/// state root and the monitor's state directory. `remove()` deletes the container from
/// the runtime, kills the monitor if it is still there and removes the directory.
struct TestContainer {
    let id: String
    let base: String
    var bundle: String { base + "/bundle" }
    var runtimeRoot: String { base + "/runtime" }
    var stateDirectory: String { base + "/state" }

    /// Debian's runc, or the runtime named by `MONITOR_TEST_RUNTIME` (crun, runcs).
    static let runtime = getenv("MONITOR_TEST_RUNTIME").map { String(cString: $0) }
        ?? "/usr/sbin/runc"

    /// Makes the bundle; `arguments` run in the container, with a terminal or not.
    init(_ name: String, arguments: [String], terminal: Bool = false) throws {
        var template = Array("/tmp/monitor-test-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        try #require(made != nil, "mkdtemp failed")
        base = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let suffix = base.split(separator: "-").last.map(String.init) ?? "x"
        id = "\(name)-\(getpid())-\(suffix)"

        try #require(access("/bin/busybox", X_OK) == 0,
                     "/bin/busybox is missing: install Debian's busybox-static")
        try #require(access(Self.runtime, X_OK) == 0,
                     "\(Self.runtime) is missing: install Debian's runc")
        try FileSystem.createDirectory(bundle + "/rootfs/bin")
        // A hard link costs nothing; a copy is the fallback across file systems.
        if link("/bin/busybox", bundle + "/rootfs/bin/busybox") != 0 {
            try FileSystem.writeAtomically(bundle + "/rootfs/bin/busybox",
                                           try FileSystem.read("/bin/busybox"), mode: 0o755)
        }
        for tool in ["sh", "echo", "sleep", "cat", "stty", "true", "printf", "seq"] {
            symlink("busybox", bundle + "/rootfs/bin/" + tool)
        }
        try FileSystem.writeAtomically(bundle + "/config.json",
                                       text: Self.configuration(arguments, terminal: terminal))
    }

    /// The spec a daemon would launch this container's monitor with.
    func spec(terminal: Bool = false, stdin: Bool = false) -> MonitorSpec {
        MonitorSpec(id: id, bundle: bundle, runtime: Self.runtime, runtimeRoot: runtimeRoot,
                    stateDirectory: stateDirectory, terminal: terminal, standardInput: stdin,
                    monitorPath: Self.monitorPath(), logLevel: "debug")
    }

    /// Writes an OCI process file for `runtime exec` and returns its path.
    func processFile(_ name: String, arguments: [String], terminal: Bool = false) throws
        -> String
    {
        let path = base + "/\(name).json"
        try FileSystem.writeAtomically(path, text: Self.process(arguments, terminal: terminal))
        return path
    }

    /// Whether the container's log shows `text` within ten seconds.
    func logShows(_ text: String) -> Bool {
        eventually {
            let log = (try? FileSystem.readText(stateDirectory + "/"
                                                + MonitorFiles.containerLog)) ?? ""
            return log.contains(text)
        }
    }

    /// Deletes the container, kills its monitor and removes the directory.
    func remove() {
        if let text = try? FileSystem.readText(stateDirectory + "/" + MonitorFiles.monitorPid),
           let pid = Int32(text.filter { $0 != "\n" }) {
            kill(pid, SIGKILL)
        }
        _ = try? Self.run([Self.runtime, "--root", runtimeRoot, "delete", "--force", id])
        try? FileSystem.removeTree(base)
    }

    /// `contaird-monitor`, built beside the test bundle.
    static func monitorPath() -> String {
        let executable = ChildProcess.currentExecutable() ?? ""
        return FileSystem.parent(of: executable) + "/contaird-monitor"
    }

    /// Runs a program to completion with stdio on /dev/null; returns its wait status.
    @discardableResult
    static func run(_ command: [String]) throws -> Int32 {
        let null = try ChildProcess.openNull()
        defer { null.close() }
        let pid = try ChildProcess.spawn(command[0], command, descriptors: [null, null, null])
        return try ChildProcess.wait(pid)
    }

    static func configuration(_ arguments: [String], terminal: Bool) -> String {
        """
        {
          "ociVersion": "1.0.2",
          "process": \(process(arguments, terminal: terminal)),
          "root": {"path": "rootfs", "readonly": true},
          "hostname": "monitor-test",
          "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
             "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
            {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "nodev", "mode=1777"]}
          ],
          "linux": {
            "namespaces": [{"type": "pid"}, {"type": "ipc"}, {"type": "uts"},
                           {"type": "mount"}, {"type": "network"}],
            "maskedPaths": ["/proc/kcore", "/proc/keys"],
            "readonlyPaths": ["/proc/sys", "/proc/sysrq-trigger"]
          }
        }
        """
    }

    static func process(_ arguments: [String], terminal: Bool) -> String {
        let list = arguments.map { JSONValue.string($0).jsonText }.joined(separator: ", ")
        return """
            {"terminal": \(terminal), "user": {"uid": 0, "gid": 0}, "args": [\(list)],
             "env": ["PATH=/bin", "TERM=xterm"], "cwd": "/", "noNewPrivileges": true}
            """
    }
}

/// Waits until `condition` holds, checking every 20 ms; false when `seconds` pass first.
func eventually(within seconds: Double = 10, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = monotonicSeconds() + seconds
    while monotonicSeconds() < deadline {
        if try condition() {
            return true
        }
        usleep(20_000)
    }
    return try condition()
}

func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// Whether a process with `pid` exists (a zombie counts).
func processExists(_ pid: Int32) -> Bool {
    kill(pid, 0) == 0 || errno == EPERM
}

/// The parent pid of `pid`, from /proc.
func parentPid(of pid: Int32) -> Int32? {
    guard let stat = try? FileSystem.readText("/proc/\(pid)/stat"),
          let close = stat.lastIndex(of: ")") else {
        return nil
    }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    return fields.count > 1 ? Int32(fields[1]) : nil
}

/// Reads from `fd` until the text read contains `needle`, the stream ends, or `seconds`
/// pass; returns everything read.
func read(_ fd: FileDescriptor, until needle: String?, within seconds: Double = 10) -> String {
    var bytes: [UInt8] = []
    let deadline = monotonicSeconds() + seconds
    while monotonicSeconds() < deadline {
        var entry = pollfd(fd: fd.rawValue, events: Int16(POLLIN), revents: 0)
        if poll(&entry, 1, 100) <= 0 {
            continue
        }
        guard let chunk = try? fd.read(upTo: 4096), !chunk.isEmpty else {
            break
        }
        bytes += chunk
        if let needle, String(decoding: bytes, as: UTF8.self).contains(needle) {
            break
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// Reads output frames until the stream ends or `seconds` pass; returns stdout and stderr.
func readFrames(_ fd: FileDescriptor, within seconds: Double = 10) throws
    -> (stdout: String, stderr: String)
{
    var out: [UInt8] = []
    var err: [UInt8] = []
    let deadline = monotonicSeconds() + seconds
    while monotonicSeconds() < deadline {
        var entry = pollfd(fd: fd.rawValue, events: Int16(POLLIN), revents: 0)
        if poll(&entry, 1, 100) <= 0 {
            continue
        }
        guard let frame = try MonitorProtocol.readFrame(fd) else {
            break
        }
        if frame.stream == .standardOutput {
            out += frame.payload
        } else {
            err += frame.payload
        }
    }
    return (String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
}
