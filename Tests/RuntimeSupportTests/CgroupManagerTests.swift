import Glibc
import SystemKit
import Testing
@testable import RuntimeSupport

/// Real cgroups on this machine: v1 hierarchies under /sys/fs/cgroup/*, and the cgroup2
/// mount at /sys/fs/cgroup/unified driven as a v2 root for what it offers (directories,
/// cgroup.procs, cgroup.freeze, cgroup.kill, cpu.stat; no memory/cpu/pids controllers,
/// which are bound to v1 here).
@Suite struct CgroupManagerTests {
    static let unifiedMount = "/sys/fs/cgroup/unified"

    /// The machine's v1 layout, or nil (the v1 tests then do not run) on a v2-only host.
    static var legacyRoot: CgroupRoot? {
        guard let root = try? CgroupRoot.detect(), case .legacy = root else { return nil }
        return root
    }

    static var hasUnifiedMount: Bool {
        TestSupport.exists(unifiedMount + "/cgroup.procs")
    }

    /// A shell that waits for a line on stdin once it is in a cgroup, then forks a child
    /// and spins a little so the cgroup's counters have something to count, says "done"
    /// and becomes `sleep 30`.
    struct Worker {
        let pid: pid_t
        let go: (read: Int32, write: Int32)
        let done: (read: Int32, write: Int32)

        init() throws {
            go = try TestSupport.pipe()
            done = try TestSupport.pipe()
            let script = "read line; i=0; while [ $i -lt 3000 ]; do i=$((i+1)); done; "
                + "/bin/true; echo done; exec /bin/sleep 30"
            pid = try TestSupport.spawn(
                ["/bin/sh", "-c", script], input: go.read, output: done.write)
        }

        /// Lets the worker go and waits for its "done".
        func run() -> String {
            let wrote = write(go.write, "go\n", 3)
            #expect(wrote == 3)
            return TestSupport.readLine(done.read)
        }

        func close() {
            for fd in [go.read, go.write, done.read, done.write] {
                Glibc.close(fd)
            }
        }
    }

    @Test func parsesHybridMountInfo() throws {
        let mountInfo = """
            31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
            32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
            35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
            40 31 0:37 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd
            41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
            """
        let membership = "4:memory:/api/one\n2:cpuacct,cpu:/\n1:name=systemd:/\n0::/\n"
        let expected: [CgroupHierarchy] = [
            CgroupHierarchy(
                controllers: ["cpu", "cpuacct"], mountPoint: "/sys/fs/cgroup/cpu,cpuacct",
                processPath: "/"),
            CgroupHierarchy(
                controllers: ["memory"], mountPoint: "/sys/fs/cgroup/memory",
                processPath: "/api/one"),
            CgroupHierarchy(
                controllers: ["name=systemd"], mountPoint: "/sys/fs/cgroup/systemd",
                processPath: "/"),
        ]

        let root = try CgroupRoot.parse(mountInfo: mountInfo, processCgroups: membership)

        #expect(root == CgroupRoot.legacy(expected))
    }

    @Test func parsesUnifiedOnlyMountInfo() throws {
        let mountInfo = "30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n"
        let root = try CgroupRoot.parse(mountInfo: mountInfo, processCgroups: "0::/user\n")
        #expect(root == CgroupRoot.unified(mountPoint: "/sys/fs/cgroup"))
    }

    @Test func placesAbsoluteAndRelativePaths() throws {
        let hierarchy = CgroupHierarchy(
            controllers: ["memory"], mountPoint: "/cg/memory", processPath: "/api/one")
        let root = CgroupRoot.legacy([hierarchy])

        let absolute = try CgroupManager(path: "/runcs/bb8", root: root)
        let relative = try CgroupManager(path: "runcs/bb8", root: root)
        let unified = try CgroupManager(path: "runcs//bb8/", root: .unified(mountPoint: "/cg"))

        #expect(absolute.directories.map(\.path) == ["/cg/memory/runcs/bb8"])
        #expect(relative.directories.map(\.path) == ["/cg/memory/api/one/runcs/bb8"])
        #expect(unified.directories.map(\.path) == ["/cg/runcs/bb8"])
        #expect(throws: CgroupError.invalidPath("/a/../../etc")) {
            try CgroupManager(path: "/a/../../etc", root: root)
        }
    }

    @Test func convertsSharesToWeight() {
        #expect(CgroupManager.cpuWeight(shares: 2) == 1)
        #expect(CgroupManager.cpuWeight(shares: 1024) == 39)
        #expect(CgroupManager.cpuWeight(shares: 262_144) == 10000)
        #expect(CgroupManager.cpuWeight(shares: 1) == 1)
    }

    @Test(.enabled(if: legacyRoot != nil))
    func legacyLifecycleWritesLimitsFreezesCountsKillsAndDestroys() throws {
        let root = try #require(Self.legacyRoot)
        let top = "/" + TestSupport.uniqueName()
        let manager = try CgroupManager(path: top + "/box", root: root)
        defer {
            try? manager.killAll(signal: SIGKILL)
            try? manager.destroy()
            try? CgroupManager(path: top, root: root).destroy()
        }

        let rules = [
            CgroupDeviceRule(allow: false, access: "rwm"),
            CgroupDeviceRule(allow: true, type: "c", major: 1, minor: 3, access: "rw"),
        ]
        let resources = CgroupResources(
            memoryLimit: 64 << 20, memoryReservation: 32 << 20, memorySwap: 128 << 20,
            cpuShares: 512, cpuQuota: 50_000, cpuPeriod: 100_000, cpus: "0", mems: "0",
            pidsLimit: 32, devices: rules)
        try manager.create(resources: resources)

        let memory = "/sys/fs/cgroup/memory\(top)/box"
        let cpu = "/sys/fs/cgroup/cpu\(top)/box"
        let cpuset = "/sys/fs/cgroup/cpuset\(top)/box"
        let devices = "/sys/fs/cgroup/devices\(top)/box"
        #expect(try TestSupport.readFile(memory + "/memory.limit_in_bytes") == "67108864\n")
        #expect(try TestSupport.readFile(memory + "/memory.memsw.limit_in_bytes") == "134217728\n")
        #expect(try TestSupport.readFile(memory + "/memory.soft_limit_in_bytes") == "33554432\n")
        #expect(try TestSupport.readFile(cpu + "/cpu.shares") == "512\n")
        #expect(try TestSupport.readFile(cpu + "/cpu.cfs_quota_us") == "50000\n")
        #expect(try TestSupport.readFile(cpu + "/cpu.cfs_period_us") == "100000\n")
        #expect(try TestSupport.readFile(cpuset + "/cpuset.cpus") == "0\n")
        // The intermediate level got its cpus and mems from the root, or the leaf could
        // not have been given any.
        #expect(try TestSupport.readFile("/sys/fs/cgroup/cpuset\(top)/cpuset.mems") != "\n")
        #expect(try TestSupport.readFile("/sys/fs/cgroup/pids\(top)/box/pids.max") == "32\n")
        #expect(try TestSupport.readFile(devices + "/devices.list") == "c 1:3 rw\n")
        for directory in manager.directories {
            #expect(TestSupport.exists(directory.path), "\(directory.path)")
        }

        let worker = try Worker()
        defer {
            TestSupport.killAndReap(worker.pid)
            worker.close()
        }
        try manager.add(pid: worker.pid)
        #expect(try manager.processes() == [worker.pid])
        #expect(worker.run() == "done")
        let membership = try TestSupport.readFile("/proc/\(worker.pid)/cgroup")
        #expect(membership.contains(":memory:\(top)/box\n"))
        #expect(membership.contains(":freezer:\(top)/box\n"))

        try manager.freeze()
        #expect(manager.isFrozen)
        let frozenState = try TestSupport.readFile("/sys/fs/cgroup/freezer\(top)/box/freezer.state")
        #expect(frozenState == "FROZEN\n")
        // A task frozen by the v1 freezer shows as uninterruptible sleep.
        #expect(TestSupport.processState(worker.pid) == "D (disk sleep)")
        try manager.thaw()
        #expect(!manager.isFrozen)
        #expect(TestSupport.processState(worker.pid) != "D (disk sleep)")

        let stats = try manager.stats()
        #expect(stats.pids == CgroupStats.Pids(current: 1, limit: 32))
        #expect(stats.memory?.limit == 64 << 20)
        #expect((stats.memory?.maxUsage ?? 0) > 0)
        #expect((stats.cpu?.totalUsage ?? 0) > 0)
        #expect(stats.cpu?.perCPUUsage.isEmpty == false)

        try manager.killAll(signal: SIGKILL)
        let status = TestSupport.wait(worker.pid)
        #expect(status & 0x7f == SIGKILL)
        #expect(try manager.processes().isEmpty)

        try manager.destroy()
        for directory in manager.directories {
            #expect(!TestSupport.exists(directory.path), "\(directory.path) is left")
        }
        try manager.destroy()
    }

    @Test(.enabled(if: legacyRoot != nil))
    func legacyUpdateChangesOnlyTheGivenLimits() throws {
        let root = try #require(Self.legacyRoot)
        let name = "/" + TestSupport.uniqueName()
        let manager = try CgroupManager(path: name, root: root)
        defer { try? manager.destroy() }

        let start = CgroupResources(memoryLimit: 32 << 20, memorySwap: 32 << 20, pidsLimit: 8)
        try manager.create(resources: start)
        try manager.update(resources: CgroupResources(memoryLimit: 96 << 20, memorySwap: 192 << 20))
        try manager.update(resources: CgroupResources(memoryLimit: 16 << 20, memorySwap: 16 << 20))
        try manager.update(resources: CgroupResources(pidsLimit: -1))

        let memory = "/sys/fs/cgroup/memory\(name)"
        #expect(try TestSupport.readFile(memory + "/memory.limit_in_bytes") == "16777216\n")
        #expect(try TestSupport.readFile(memory + "/memory.memsw.limit_in_bytes") == "16777216\n")
        #expect(try TestSupport.readFile("/sys/fs/cgroup/pids\(name)/pids.max") == "max\n")
        #expect(try manager.stats().pids?.limit == nil)
    }

    @Test(.enabled(if: legacyRoot != nil))
    func legacyRejectedValueNamesTheFile() throws {
        let root = try #require(Self.legacyRoot)
        let name = "/" + TestSupport.uniqueName()
        let manager = try CgroupManager(path: name, root: root)
        defer { try? manager.destroy() }

        do {
            try manager.create(resources: CgroupResources(cpus: "not-a-cpu-list"))
            Issue.record("the kernel accepted a malformed cpu list")
        } catch let error as SystemError {
            #expect(error.call == "write")
            #expect(error.path == "/sys/fs/cgroup/cpuset\(name)/cpuset.cpus")
        }
    }

    @Test(.enabled(if: hasUnifiedMount))
    func unifiedLifecycleOnTheCgroup2Mount() throws {
        let name = "/" + TestSupport.uniqueName()
        let root = CgroupRoot.unified(mountPoint: Self.unifiedMount)
        let manager = try CgroupManager(path: name + "/box", root: root)
        defer {
            try? manager.killAll(signal: SIGKILL)
            try? manager.destroy()
            try? CgroupManager(path: name, root: root).destroy()
        }

        try manager.create(resources: CgroupResources())
        let directory = Self.unifiedMount + name + "/box"
        #expect(TestSupport.exists(directory + "/cgroup.freeze"))

        let worker = try Worker()
        defer {
            TestSupport.killAndReap(worker.pid)
            worker.close()
        }
        try manager.add(pid: worker.pid)
        #expect(try manager.processes() == [worker.pid])
        #expect(worker.run() == "done")
        let membership = try TestSupport.readFile("/proc/\(worker.pid)/cgroup")
        #expect(membership.contains("0::\(name)/box\n"))

        try manager.freeze()
        #expect(manager.isFrozen)
        #expect(try TestSupport.readFile(directory + "/cgroup.events").contains("frozen 1\n"))
        try manager.thaw()
        #expect(!manager.isFrozen)

        let stats = try manager.stats()
        #expect((stats.cpu?.totalUsage ?? 0) > 0)
        #expect(stats.memory == nil)
        #expect(stats.pids == nil)

        // SIGTERM goes through freeze, signal each, thaw; SIGKILL through cgroup.kill.
        try manager.killAll(signal: SIGTERM)
        #expect(TestSupport.wait(worker.pid) & 0x7f == SIGTERM)
        let second = try TestSupport.spawn(["/bin/sleep", "30"])
        defer { TestSupport.killAndReap(second) }
        try manager.add(pid: second)
        try manager.killAll(signal: SIGKILL)
        #expect(TestSupport.wait(second) & 0x7f == SIGKILL)

        try manager.destroy()
        #expect(!TestSupport.exists(directory))
    }

    @Test(.enabled(if: hasUnifiedMount))
    func unifiedRefusesWhatItCannotEnforce() throws {
        let name = "/" + TestSupport.uniqueName()
        let root = CgroupRoot.unified(mountPoint: Self.unifiedMount)
        let manager = try CgroupManager(path: name, root: root)
        defer { try? manager.destroy() }
        try manager.create(resources: CgroupResources())

        // Here memory and pids are bound to v1, so the cgroup2 root does not offer them.
        let noMemory = CgroupError.controllerUnavailable(
            controller: "memory", path: Self.unifiedMount)
        #expect(throws: noMemory) {
            try manager.update(resources: CgroupResources(memoryLimit: 1 << 26))
        }
        let noPids = CgroupError.controllerUnavailable(controller: "pids", path: Self.unifiedMount)
        #expect(throws: noPids) {
            try manager.update(resources: CgroupResources(pidsLimit: 10))
        }
        let noDevices = CgroupError.deviceRulesUnsupported(path: Self.unifiedMount + name)
        #expect(throws: noDevices) {
            try manager.update(resources: CgroupResources(devices: CgroupDeviceRule.defaultRules))
        }
    }
}
