import Glibc
import RuntimeKit
import SystemKit
import Testing

/// What a cgroup v1 (or hybrid) host adds to the cgroup work: limits the kernel checks
/// against each other and the parent, real-time scheduling, the cgroup2 mount beside the
/// v1 ones, and cgroups that existed before the container (frozen, or holding processes).
@Suite struct CgroupV1LimitTests {
    static let hasV1CPU = !FileSystem.exists("/sys/fs/cgroup/cgroup.controllers")
        && FileSystem.exists("/sys/fs/cgroup/cpu/cpu.cfs_period_us")
    static let hasRealtime = hasV1CPU && FileSystem.exists("/sys/fs/cgroup/cpu/cpu.rt_period_us")

    /// The real-time time per second the top cpu cgroup has left to hand out: its own less
    /// what its children hold (other work on the machine, runc's tests say, may hold it all).
    static var unclaimedRealtime: Int {
        let top = "/sys/fs/cgroup/cpu"
        func runtime(_ directory: String) -> Int {
            let text = (try? FileSystem.readText(directory + "/cpu.rt_runtime_us")) ?? ""
            return Int(text.split(separator: "\n").first ?? "") ?? 0
        }
        let children = ((try? FileSystem.listDirectory(top)) ?? [])
            .filter { FileSystem.isDirectory("\(top)/\($0)") }
        return runtime(top) - children.reduce(0) { $0 + max(0, runtime("\(top)/\($1)")) }
    }
    static let hybridMount = "/sys/fs/cgroup/unified"
    static let isHybrid = hasV1CPU && FileSystem.exists(hybridMount + "/cgroup.procs")

    func read(_ file: String) -> String {
        ((try? FileSystem.readText(file)) ?? "").split(separator: "\n").first.map(String.init)
            ?? ""
    }

    /// A container whose cgroup sits below a parent the test makes (and removes) in
    /// every v1 hierarchy and the hybrid mount.
    func containerBelowParent(_ name: String) throws -> (TestContainer, parent: String) {
        let container = try TestContainer(args: ["sleep", "300"])
        let parent = "/runcs-test-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        container.spec.linux?.cgroupsPath = "\(parent)/box"
        return (container, parent)
    }

    func removeParent(_ parent: String) {
        let hierarchies = (try? FileSystem.listDirectory("/sys/fs/cgroup")) ?? []
        for hierarchy in hierarchies {
            rmdir("/sys/fs/cgroup/\(hierarchy)\(parent)/box")
            rmdir("/sys/fs/cgroup/\(hierarchy)\(parent)")
        }
    }

    @Test(.enabled(if: hasV1CPU))
    func aLowerPeriodWithItsQuotaIsTakenBelowALimitedParent() throws {
        let (container, parent) = try containerBelowParent("pod")
        defer { removeParent(parent) }
        defer { container.cleanUp() }
        let cpu = "/sys/fs/cgroup/cpu\(parent)"
        try FileSystem.createDirectory(cpu)
        try FileSystem.writeKnob(cpu + "/cpu.cfs_quota_us", "50000")
        let id = container.makeID("pod")
        let started = try container.runcs(["run", "-d", "-b", container.bundle, id])
        try #require(started.status == 0, "\(started.error)")

        // 60 % is more than the parent's 50 %: the kernel refuses, and runcs says so.
        let above = try container.runcs(["update", "--cpu-quota", "60000", id])
        #expect(above.status == 1)
        #expect(above.error.contains("cpu.cfs_quota_us"), "\(above.error)")
        // 30 % with a tenth of the period: the period alone would be refused first.
        let lower = try container.runcs(["update", id, "--cpu-period", "10000",
                                         "--cpu-quota", "3000"])
        #expect(lower.status == 0, "\(lower.error)")
        #expect(read("\(cpu)/box/cpu.cfs_period_us") == "10000")
        #expect(read("\(cpu)/box/cpu.cfs_quota_us") == "3000")
    }

    @Test(.enabled(if: hasRealtime && unclaimedRealtime >= 600_000,
                   "no cpu cgroup v1 or less than 0.6 s of real-time time left unclaimed"))
    func realtimePeriodAndRuntimeAreUpdatedInEitherOrder() throws {
        let (container, parent) = try containerBelowParent("rt")
        defer { removeParent(parent) }
        defer { container.cleanUp() }
        // The parent needs real-time time of its own to hand any to the container.
        let cpu = "/sys/fs/cgroup/cpu\(parent)"
        try FileSystem.createDirectory(cpu)
        try FileSystem.writeKnob(cpu + "/cpu.rt_runtime_us", "600000")
        container.spec.linux?.resources?.cpu = Spec.CPU(realtimeRuntime: 400000,
                                                        realtimePeriod: 1_000_000)
        let id = container.makeID("rt")
        let started = try container.runcs(["run", "-d", "-b", container.bundle, id])
        try #require(started.status == 0, "\(started.error)")
        #expect(read("\(cpu)/box/cpu.rt_runtime_us") == "400000")

        // A shorter period than the runtime in force: the runtime has to go first.
        let shorter = try container.runcs(["update", id, "--cpu-rt-period", "300000",
                                           "--cpu-rt-runtime", "100000"])
        #expect(shorter.status == 0, "\(shorter.error)")
        #expect(read("\(cpu)/box/cpu.rt_period_us") == "300000")
        #expect(read("\(cpu)/box/cpu.rt_runtime_us") == "100000")
        let file = "\(container.directory)/rt.json"
        try FileSystem.writeAtomically(file, Array(#"{"cpu":{"realtimeRuntime":150000}}"#.utf8))
        let fromFile = try container.runcs(["update", "-r", file, id])
        #expect(fromFile.status == 0, "\(fromFile.error)")
        #expect(read("\(cpu)/box/cpu.rt_runtime_us") == "150000")
    }

    @Test(.enabled(if: isHybrid))
    func onAHybridHostTheInitAndAnExecAreInTheCgroup2MountToo() throws {
        let (container, parent) = try containerBelowParent("hybrid")
        defer { removeParent(parent) }
        defer { container.cleanUp() }
        let id = container.makeID("hybrid")
        let started = try container.runcs(["run", "-d", "-b", container.bundle, id])
        try #require(started.status == 0, "\(started.error)")
        let initPID = try container.initPID(id)
        let initLines = try FileSystem.readText("/proc/\(initPID)/cgroup").split(separator: "\n")
        #expect(initLines.contains("0::\(parent)/box"), "\(initLines)")

        let exec = try container.runcs(["exec", id, "cat", "/proc/self/cgroup"])
        #expect(exec.status == 0, "\(exec.error)")
        #expect(exec.output.split(separator: "\n").contains("0::\(parent)/box"))
        #expect(FileSystem.exists("\(Self.hybridMount)\(parent)/box"))

        let deleted = try container.runcs(["delete", "--force", id])
        #expect(deleted.status == 0, "\(deleted.error)")
        #expect(!FileSystem.exists("\(Self.hybridMount)\(parent)/box"))
    }

    @Test(.enabled(if: hasV1CPU))
    func unifiedResourcesAreRefusedOnV1() throws {
        let container = try TestContainer(args: ["true"])
        defer { container.cleanUp() }
        container.spec.linux?.resources?.unified = ["memory.min": "131072"]
        let result = try container.run()
        #expect(result.status != 0)
        #expect(result.error.contains("invalid configuration"), "\(result.error)")
        #expect(result.error.contains("linux.resources.unified"))
    }

    @Test(.enabled(if: hasV1CPU && FileSystem.exists("/sys/fs/cgroup/freezer")))
    func aFrozenCgroupIsRefusedAndASharedOneWarnedAbout() throws {
        let (first, parent) = try containerBelowParent("shared")
        defer { removeParent(parent) }
        defer { first.cleanUp() }
        let freezer = "/sys/fs/cgroup/freezer\(parent)/box"
        try FileSystem.createDirectory(freezer)
        try FileSystem.writeKnob(freezer + "/freezer.state", "FROZEN")

        let frozen = try first.runcs(["run", "-d", "-b", first.bundle, first.makeID("frozen")])
        #expect(frozen.status == 1)
        #expect(frozen.error.contains("container's cgroup unexpectedly frozen"))
        #expect(FileSystem.exists(freezer), "the cgroup is left as it was found")
        try FileSystem.writeKnob(freezer + "/freezer.state", "THAWED")

        let one = try first.runcs(["run", "-d", "-b", first.bundle, first.makeID("one")])
        try #require(one.status == 0, "\(one.error)")
        #expect(!one.error.contains("not empty"))
        let two = try first.runcs(["run", "-d", "-b", first.bundle, first.makeID("two")])
        #expect(two.status == 0, "\(two.error)")
        #expect(two.error.contains("container's cgroup is not empty"), "\(two.error)")
    }
}
