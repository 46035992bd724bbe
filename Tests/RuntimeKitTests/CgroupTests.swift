import Glibc
import RuntimeKit
import SystemKit
import Testing

/// config.json's resources, seen from inside the container's cgroup namespace, and the
/// cgroup gone after delete. Runs when runcs is built with RuntimeSupport.
@Suite
struct CgroupTests {
    @Test func limitsAreVisibleInsideAndTheCgroupIsRemovedOnDelete() throws {
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
        container.spec.linux?.namespaces?.append(Spec.Namespace(type: "cgroup"))
        container.spec.linux?.resources?.memory = Spec.Memory(limit: 64 << 20)
        container.spec.linux?.resources?.pids = Spec.Pids(limit: 32)
        defer {
            rmdir("/sys/fs/cgroup/memory/runcs-test")
            rmdir("/sys/fs/cgroup/pids/runcs-test")
            rmdir("/sys/fs/cgroup/runcs-test")
        }

        let result = try container.run(id)
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output == "\(64 << 20)\n32\n")
        let leftover = unified ? "/sys/fs/cgroup\(cgroupsPath)"
            : "/sys/fs/cgroup/memory\(cgroupsPath)"
        #expect(!FileSystem.exists(leftover))
    }
}
