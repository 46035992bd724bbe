import FoundationEssentials
import Glibc
import RuntimeKit
import SystemKit
import Testing

/// Containers without a pid namespace of their own (podman's `--pid host`), whose
/// processes the kernel does not end when the init exits.
@Suite struct HostPidNamespaceTests {
    /// Whether `pid` has exited: gone, or a zombie that its new parent has not reaped.
    static func hasExited(_ pid: Int32) -> Bool {
        guard let stat = try? FileSystem.readText("/proc/\(pid)/stat"),
              let close = stat.lastIndex(of: ")") else {
            return true
        }
        return stat[stat.index(close, offsetBy: 2)] == "Z"
    }

    /// The init starts a child and exits: the container is stopped while the child
    /// still sits in its cgroup. delete, as podman calls it once the init has exited,
    /// kills the child and removes the cgroup.
    @Test func deleteOfAStoppedContainerKillsTheInitsLeftoverChildren() throws {
        let container = try TestContainer(args: ["sh", "-c", "sleep 1000 & echo $! > /pid"])
        defer { container.cleanUp() }
        container.spec.root?.readonly = false
        container.spec.linux?.namespaces?.removeAll { $0.type == "pid" }
        let id = container.makeID("leftover")

        let started = try container.runcs(["run", "--detach", "--bundle", container.bundle, id])
        try #require(started.status == 0, "\(started.error)")
        var status = ""
        for _ in 0..<200 where status != "stopped" {
            let state = try container.runcs(["state", id]).output
            status = (try? JSONDecoder().decode(StateReport.self, from: Data(state.utf8)))?
                .status.rawValue ?? ""
            if status != "stopped" { usleep(20_000) }
        }
        try #require(status == "stopped")
        let text = try FileSystem.readText(container.rootfs + "/pid")
        let child = try #require(Int32(text.split(separator: "\n").first ?? ""))
        defer { if !Self.hasExited(child) { kill(child, SIGKILL) } }
        #expect(!Self.hasExited(child), "the child was gone before delete")
        let hierarchy = FileSystem.isDirectory("/sys/fs/cgroup/pids") ? "/sys/fs/cgroup/pids"
            : "/sys/fs/cgroup"
        let cgroup = hierarchy + (container.spec.linux?.cgroupsPath ?? "")
        #expect(FileSystem.exists(cgroup))

        let deleted = try container.runcs(["delete", id])

        #expect(deleted.status == 0, "\(deleted.error)")
        #expect(Self.hasExited(child))
        #expect(!FileSystem.exists(cgroup))
        #expect(try container.runcs(["state", id]).status != 0)
    }
}
