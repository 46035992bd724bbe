import Glibc
import RuntimeKit
import SystemKit
import Testing

/// `runcs exec --cgroup`: a process put into sub-cgroups of the container's cgroup, per
/// v1 controller or for every hierarchy, and the selections that are refused.
@Suite struct ExecSubCgroupTests {
    /// A v1-only check: the selections name controllers, which v2 has no hierarchies for.
    static var hasV1Hierarchies: Bool {
        !FileSystem.exists("/sys/fs/cgroup/cgroup.controllers")
            && FileSystem.exists("/sys/fs/cgroup/memory")
            && FileSystem.exists("/sys/fs/cgroup/pids")
    }

    @Test(.enabled(if: hasV1Hierarchies))
    func aProcessGoesIntoTheSubCgroupsItsControllersName() throws {
        let container = try TestContainer(args: ["sleep", "300"])
        defer { container.cleanUp() }
        let id = container.makeID("subcg")
        let path = container.spec.linux?.cgroupsPath ?? ""
        let started = try container.runcs(["run", "--detach", "--bundle", container.bundle, id])
        try #require(started.status == 0, "\(started.error)")

        let subMemory = "/sys/fs/cgroup/memory\(path)/submem"
        let subPids = "/sys/fs/cgroup/pids\(path)/subpids"
        try FileSystem.createDirectory(subMemory)
        try FileSystem.createDirectory(subPids)
        defer {
            // Emptied when the exec'd processes exited; delete needs them gone.
            rmdir(subMemory)
            rmdir(subPids)
        }

        let selected = try container.runcs([
            "exec", "--cgroup", "memory:submem", "--cgroup", "pids:./subpids/", id,
            "cat", "/proc/self/cgroup",
        ])
        #expect(selected.status == 0, "\(selected.error)")
        let lines = selected.output.split(separator: "\n")
        #expect(lines.contains { $0.hasSuffix(":memory:\(path)/submem") }, "\(lines)")
        #expect(lines.contains { $0.hasSuffix(":pids:\(path)/subpids") }, "\(lines)")
        #expect(lines.contains { $0.hasSuffix(":devices:\(path)") }, "\(lines)")

        // One path without controllers applies to every hierarchy; "/" is the cgroup itself.
        let top = try container.runcs(["exec", "--cgroup", "/", id, "cat", "/proc/self/cgroup"])
        #expect(top.status == 0, "\(top.error)")
        #expect(top.output.contains(":memory:\(path)\n"), "\(top.output)")
    }

    @Test(.enabled(if: hasV1Hierarchies))
    func selectionsOutsideTheCgroupOrOfUnknownControllersAreRefused() throws {
        let container = try TestContainer(args: ["sleep", "300"])
        defer { container.cleanUp() }
        let id = try container.runDetached("subcgbad")

        let refusals: [(selection: String, reason: String)] = [
            ("..", ".. is not a sub cgroup path"),
            ("memory:a/../..", "a/../.. is not a sub cgroup path"),
            ("missing", "/missing/cgroup.procs: no such file or directory"),
            ("pids:missing", "/missing/cgroup.procs: no such file or directory"),
            ("whaaat:/", "unknown controller whaaat"),
        ]
        for refusal in refusals {
            let result = try container.runcs(["exec", "--cgroup", refusal.selection, id, "true"])
            #expect(result.status == 255, "--cgroup \(refusal.selection)")
            #expect(result.error.contains(refusal.reason), "\(result.error)")
        }
    }
}
