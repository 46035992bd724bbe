import FoundationEssentials
import Glibc
import RuntimeKit
import SystemKit
import Testing

/// update: new limits reach the live cgroup (v1 or v2, whichever this host limits
/// containers with) and the container's recorded state.
@Suite struct UpdateTests {
    static let unified = FileSystem.exists("/sys/fs/cgroup/cgroup.controllers")

    /// The file of the container's cgroup that holds `v1` (in its v1 hierarchy) or `v2`.
    func limitFile(_ container: TestContainer, v1: (String, String), v2: String) -> String {
        let path = container.spec.linux?.cgroupsPath ?? ""
        return Self.unified ? "/sys/fs/cgroup\(path)/\(v2)"
            : "/sys/fs/cgroup/\(v1.0)\(path)/\(v1.1)"
    }

    func read(_ file: String) -> String {
        ((try? FileSystem.readText(file)) ?? "").split(separator: "\n").first.map(String.init)
            ?? ""
    }

    @Test func flagsAndAResourcesFileReachTheCgroupAndTheState() throws {
        let container = try TestContainer.alpine(args: ["/bin/sleep", "30"])
        defer { container.cleanUp() }
        container.spec.linux?.resources?.memory = Spec.Memory(limit: 64 << 20)
        let id = container.makeID("update")
        try #require(try container.runcs(["run", "-d", "-b", container.bundle, id]).status == 0)
        let memory = limitFile(container, v1: ("memory", "memory.limit_in_bytes"),
                               v2: "memory.max")
        let pids = limitFile(container, v1: ("pids", "pids.max"), v2: "pids.max")
        #expect(read(memory) == String(64 << 20))

        let flags = try container.runcs(["update", "--memory", "128m", "--pids-limit", "40",
                                         "--cpu-quota", "50000", "--cpu-period", "100000", id])
        #expect(flags.status == 0, "\(flags.error)")
        #expect(read(memory) == String(128 << 20))
        #expect(read(pids) == "40")
        if Self.unified {
            #expect(read(limitFile(container, v1: ("", ""), v2: "cpu.max")) == "50000 100000")
        } else {
            let quota = limitFile(container, v1: ("cpu", "cpu.cfs_quota_us"), v2: "")
            #expect(read(quota) == "50000")
        }

        let resourcesFile = "\(container.directory)/resources.json"
        let json = #"{"memory":{"limit":100663296},"cpu":{"shares":512},"pids":{"limit":0}}"#
        try FileSystem.writeAtomically(resourcesFile, Array(json.utf8))
        let file = try container.runcs(["update", "-r", resourcesFile, id])
        #expect(file.status == 0, "\(file.error)")
        #expect(read(memory) == "100663296")
        // A zero is a field left alone.
        #expect(read(pids) == "40")
        if !Self.unified {
            #expect(read(limitFile(container, v1: ("cpu", "cpu.shares"), v2: "")) == "512")
        }

        // state.json keeps the limits in force, and `state` still reads it.
        let saved = try FileSystem.read("\(container.stateRoot)/\(id)/state.json")
        let state = try JSONDecoder().decode(ContainerState.self, from: Data(saved))
        #expect(state.resources?.memory?.limit == 100_663_296)
        #expect(state.resources?.pids?.limit == 40)
        #expect(state.resources?.cpu?.quota == 50_000)
        #expect(state.resources?.cpu?.shares == 512)
        #expect(try container.status(id) == "running")
    }

    @Test func badValuesAndStoppedContainersAreRefused() throws {
        let container = try TestContainer.alpine(args: ["/bin/true"])
        defer { container.cleanUp() }
        let id = container.makeID("updatebad")
        try #require(try container.runcs(["run", "-d", "-b", container.bundle, id]).status == 0)
        #expect(try container.waitUntil { try container.status(id) == "stopped" })
        let stopped = try container.runcs(["update", "--memory", "64m", id])
        #expect(stopped.error.contains("container not running"))
        let badSize = try container.runcs(["update", "--memory", "12x", id])
        #expect(badSize.error.contains("invalid size \"12x\""))
        let badNumber = try container.runcs(["update", "--pids-limit", "many", id])
        #expect(badNumber.error.contains("--pids-limit"))
    }

    @Test func sizesReadLikeRuncs() throws {
        #expect(try Runtime.parseByteSize("512") == 512)
        #expect(try Runtime.parseByteSize("64m") == 64 << 20)
        #expect(try Runtime.parseByteSize("64MB") == 64 << 20)
        #expect(try Runtime.parseByteSize("2GiB") == 2 << 30)
        #expect(try Runtime.parseByteSize("1.5k") == 1536)
        #expect(try Runtime.parseByteSize("-1") == -1)
        #expect(throws: RuntimeError.self) { try Runtime.parseByteSize("m") }
        #expect(throws: RuntimeError.self) { try Runtime.parseByteSize("-5") }
    }

    /// v1 keeps memory below memory+swap: lifting the memory limit alone lifts the swap
    /// limit with it, and the flags may follow the id, as runc's do.
    @Test(.enabled(if: !unified && FileSystem.exists(
        "/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes")))
    func unlimitedMemoryLiftsTheSwapLimitToo() throws {
        let container = try TestContainer(args: ["sleep", "300"])
        defer { container.cleanUp() }
        container.spec.linux?.resources?.memory = Spec.Memory(limit: 32 << 20, swap: 64 << 20)
        let id = container.makeID("memswap")
        try #require(try container.runcs(["run", "-d", "-b", container.bundle, id]).status == 0)
        let memory = limitFile(container, v1: ("memory", "memory.limit_in_bytes"), v2: "")
        let swap = limitFile(container, v1: ("memory", "memory.memsw.limit_in_bytes"), v2: "")
        #expect(read(swap) == String(64 << 20))

        let lifted = try container.runcs(["update", id, "--memory", "-1"])
        #expect(lifted.status == 0, "\(lifted.error)")
        let unlimited = read("/sys/fs/cgroup/memory/memory.limit_in_bytes")
        #expect(read(memory) == unlimited)
        #expect(read(swap) == unlimited)
    }
}
