import Glibc
import SystemKit
import Testing

/// The options of `run` that shape the container: limits, a read-only root, bind
/// mounts, --init, the host's network, and large output through the frames.
@Suite(.enabled(if: CtrsEnvironment.canRun, "\(CtrsEnvironment.reasonToSkip ?? "")"),
       .sharedDaemon)
struct OptionTests {
    @Test func limitsReadonlyRootBindMountAndInit() throws {
        let daemon = try PrivateDaemon.current()
        let id = "limited-" + CtrsEnvironment.uniqueSuffix()
        let shared = daemon.directory + "/shared-" + id
        try FileSystem.createDirectory(shared)
        try FileSystem.writeAtomically(shared + "/file", text: "from the host\n")

        let started = try daemon.ctrs([
            "run", "-d", "--memory-limit", "64m", "--pids-limit", "50", "--cpus", "0.5",
            "--readonly", "--init",
            "--mount", "type=bind,src=\(shared),dst=/data,options=rbind:ro",
            daemon.image, id, "sleep", "30",
        ])
        #expect(started.status == 0, "\(started.stderr)")

        let tasks = try daemon.json(try daemon.ctrs(["task", "ls", "--format", "json"]).stdout)
        let pid = tasks.arrayValue?.first { $0["id"]?.stringValue == id }?["pid"]?.intValue ?? 0
        try #require(pid > 0)
        #expect(try cgroupFile(pid: pid, "memory", "memory.limit_in_bytes") == "67108864")
        #expect(try cgroupFile(pid: pid, "pids", "pids.max") == "50")

        let inside = try daemon.ctrs(["task", "exec", id, "sh", "-c",
            "cat /data/file; touch /rootfs-write 2>/dev/null || echo read-only root; "
                + "touch /data/w 2>/dev/null || echo read-only mount; cat /proc/1/comm"])
        #expect(inside.status == 0, "\(inside.stderr)")
        let lines = inside.stdout.split(separator: "\n")
        #expect(Array(lines.prefix(3)) == ["from the host", "read-only root", "read-only mount"])
        // With --init, PID 1 is the reaper, and sleep runs below it.
        #expect(lines.last != "sleep" && lines.count == 4)
    }

    @Test func hostNetworkOrALoopbackOnlyNamespace() throws {
        let daemon = try PrivateDaemon.current()
        let suffix = CtrsEnvironment.uniqueSuffix()
        let hostInterfaces = try FileSystem.readText("/proc/net/dev")
            .split(separator: "\n").count - 2

        let own = try daemon.ctrs(["run", "--rm", daemon.image, "ownnet-\(suffix)",
                                   "cat", "/proc/net/dev"])
        let ownInterfaces = own.stdout.split(separator: "\n").dropFirst(2)
        #expect(ownInterfaces.count == 1 && ownInterfaces.first?.contains("lo:") == true,
                "\(own.stdout)\(own.stderr)")

        let host = try daemon.ctrs(["run", "--rm", "--net-host", daemon.image,
                                    "hostnet-\(suffix)", "cat", "/proc/net/dev"])
        #expect(host.stdout.split(separator: "\n").count - 2 == hostInterfaces,
                "\(host.stdout)\(host.stderr)")
    }

    @Test func largeOutputOnBothStreamsArrivesWhole() throws {
        let daemon = try PrivateDaemon.current()
        let id = "large-" + CtrsEnvironment.uniqueSuffix()

        let result = try daemon.ctrs(["run", "--rm", daemon.image, id, "sh", "-c",
                                      "seq 1 200000; seq 1 5000 >&2"])
        #expect(result.status == 0, "\(result.stderr.suffix(200))")
        let out = result.stdout.split(separator: "\n")
        let err = result.stderr.split(separator: "\n")
        #expect(out.count == 200000 && out.last == "200000")
        #expect(err.count == 5000 && err.last == "5000")
    }

    /// A file of the v1 cgroup `controller` that process `pid` is in, trimmed.
    func cgroupFile(pid: Int64, _ controller: String, _ file: String) throws -> String {
        let membership = try FileSystem.readText("/proc/\(pid)/cgroup")
        for line in membership.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2)
            guard fields.count == 3,
                fields[1].split(separator: ",").contains(Substring(controller))
            else { continue }
            let text = try FileSystem.readText("/sys/fs/cgroup/\(controller)\(fields[2])/\(file)")
            return String(text.split(separator: "\n").first ?? "")
        }
        throw SetupFailure("process \(pid) is in no \(controller) cgroup")
    }
}
