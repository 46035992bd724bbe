import Glibc
import RuntimeKit
import SystemKit
import Testing

/// config.json's resources, seen from inside the container's cgroup namespace, and the
/// cgroup gone after delete. Runs when runcs is built with RuntimeSupport.
@Suite
struct CgroupTests {
    /// With a cgroup namespace /sys/fs/cgroup is a fresh cgroup mount rooted at the
    /// container's cgroup; without one, a bind of the container's own cgroup directory.
    @Test(arguments: [true, false])
    func limitsAreVisibleInsideAndTheCgroupIsRemovedOnDelete(cgroupNamespace: Bool) throws {
        // A cgroup v2-only host has cgroup.controllers at the top of /sys/fs/cgroup.
        let unified = FileSystem.exists("/sys/fs/cgroup/cgroup.controllers")
        let script = unified
            ? "cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max"
            : "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max"
        let container = try TestContainer(args: ["sh", "-c", script])
        defer { container.cleanUp() }
        let id = container.makeID("cgroup")
        let cgroupsPath = "/runcs-test-\(id)"
        container.spec.linux?.cgroupsPath = cgroupsPath
        if cgroupNamespace {
            container.spec.linux?.namespaces?.append(Spec.Namespace(type: "cgroup"))
        }
        container.spec.linux?.resources?.memory = Spec.Memory(limit: 64 << 20)
        container.spec.linux?.resources?.pids = Spec.Pids(limit: 32)
        defer {
            // The parent the test named; delete removes only the container's own cgroup.
            let hierarchies = (try? FileSystem.listDirectory("/sys/fs/cgroup")) ?? []
            for hierarchy in hierarchies {
                rmdir("/sys/fs/cgroup/\(hierarchy)/runcs-test")
            }
            rmdir("/sys/fs/cgroup/runcs-test")
        }

        let result = try container.run(id)
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output == "\(64 << 20)\n32\n")
        let leftover = unified ? "/sys/fs/cgroup\(cgroupsPath)"
            : "/sys/fs/cgroup/memory\(cgroupsPath)"
        #expect(!FileSystem.exists(leftover))
    }

    @Test func aFailedCreateLeavesNoCgroup() throws {
        let container = try TestContainer(args: ["no-such-binary"])
        defer { container.cleanUp() }
        let id = container.makeID("cgfail")
        container.spec.linux?.cgroupsPath = "/runcs-test-failed/\(id)"
        defer {
            let hierarchies = (try? FileSystem.listDirectory("/sys/fs/cgroup")) ?? []
            for hierarchy in hierarchies {
                rmdir("/sys/fs/cgroup/\(hierarchy)/runcs-test-failed")
            }
            rmdir("/sys/fs/cgroup/runcs-test-failed")
        }
        let result = try container.run(id)
        #expect(result.status != 0)
        #expect(result.error.contains("no-such-binary"))
        let unified = FileSystem.exists("/sys/fs/cgroup/cgroup.controllers")
        let leftover = unified ? "/sys/fs/cgroup/runcs-test-failed/\(id)"
            : "/sys/fs/cgroup/memory/runcs-test-failed/\(id)"
        #expect(!FileSystem.exists(leftover))
    }

    @Test func killAllSignalsEveryProcessOfTheContainer() throws {
        // PID 1 of a pid namespace ignores TERM without a handler; its child does not.
        let container = try TestContainer(args: ["sh", "-c", "sleep 30 & wait"])
        defer { container.cleanUp() }
        let id = container.makeID("killall")
        #expect(try container.runcs(["run", "-d", "-b", container.bundle, id]).status == 0)
        usleep(100_000)
        #expect(try container.runcs(["kill", id, "TERM"]).status == 0)
        usleep(200_000)
        #expect(try container.runcs(["state", id]).output.contains("running"))

        #expect(try container.runcs(["kill", "--all", id, "TERM"]).status == 0)
        var stopped = false
        for _ in 0..<100 where !stopped {
            usleep(20_000)
            stopped = try container.runcs(["state", id]).output.contains("stopped")
        }
        #expect(stopped)
    }
}
