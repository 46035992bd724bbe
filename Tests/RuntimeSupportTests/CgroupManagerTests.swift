import Glibc
import SystemKit
import Testing
@testable import RuntimeSupport

/// Real cgroups on this machine: v1 hierarchies under /sys/fs/cgroup/*, and the cgroup2
/// mount at /sys/fs/cgroup/unified driven as a v2 root for what it offers (directories,
/// cgroup.procs, cgroup.freeze, cgroup.kill, cpu.stat, BPF device programs; no
/// memory/cpu/pids controllers, which are bound to v1 here). On a v2-only host the v2
/// tests use /sys/fs/cgroup itself and the v1 tests do not run.
@Suite struct CgroupManagerTests {
    static let unifiedMount: String = {
        if case .unified(let mountPoint)? = try? CgroupRoot.detect() {
            return mountPoint
        }
        return "/sys/fs/cgroup/unified"
    }()

    /// Whether the cgroup2 root offers `controller` to its children.
    static func unifiedOffers(_ controller: String) -> Bool {
        let text = (try? TestSupport.readFile(unifiedMount + "/cgroup.controllers")) ?? ""
        return text.split(whereSeparator: { $0 == " " || $0 == "\n" }).contains {
            $0 == controller
        }
    }

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
        let membership = "4:memory:/api/one\n2:cpuacct,cpu:/\n1:name=systemd:/\n0::/api/two\n"
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
            CgroupHierarchy(controllers: [], mountPoint: "/sys/fs/cgroup/unified",
                            processPath: "/api/two"),
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

        // A paused container that is sent a signal other than SIGKILL stays paused.
        try manager.freeze()
        try manager.killAll(signal: SIGCONT)
        #expect(manager.isFrozen)
        try manager.thaw()

        let stats = try manager.stats()
        #expect(stats.pids == CgroupStats.Pids(current: 1, limit: 32))
        #expect(stats.runcJSON.contains("\"pids\":{\"current\":1,\"limit\":32}"))
        #expect(stats.runcJSON.contains("\"limit\":67108864,"))
        let parsed = try ProfileJSON(parsing: Array(stats.runcJSON.utf8))
        #expect(parsed["cpu"]?["usage"]?["total"]?.uint64 == stats.cpu?.totalUsage)
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
        // Zeros and empty lists are "not set": nothing changes, the cpuset stays usable.
        let unset = CgroupResources(
            memoryLimit: 0, memorySwap: 0, cpuShares: 0, cpuQuota: 0, cpus: "", mems: "",
            pidsLimit: 0)
        try manager.update(resources: unset)
        #expect(try TestSupport.readFile("/sys/fs/cgroup/cpuset\(name)/cpuset.cpus") != "\n")

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
        #expect((stats.memory != nil) == TestSupport.exists(directory + "/memory.current"))
        #expect((stats.pids != nil) == TestSupport.exists(directory + "/pids.current"))

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

    @Test(.enabled(if: hasUnifiedMount && !unifiedOffers("memory") && !unifiedOffers("pids")))
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
    }

    /// `linux.resources.unified` files are written as given, inside the cgroup only, and
    /// real-time limits, which v2 has no files for, are refused rather than dropped.
    @Test(.enabled(if: hasUnifiedMount))
    func unifiedFilesAreWrittenAsGivenAndRealtimeIsRefused() throws {
        let name = "/" + TestSupport.uniqueName()
        let root = CgroupRoot.unified(mountPoint: Self.unifiedMount)
        let manager = try CgroupManager(path: name, root: root)
        defer { try? manager.destroy() }
        try manager.create(resources: CgroupResources(unified: ["cgroup.max.depth": "3"]))
        let depth = try TestSupport.readFile(Self.unifiedMount + name + "/cgroup.max.depth")
        #expect(depth == "3\n")

        #expect(throws: CgroupError.invalidValue(name: "unified", value: "../cgroup.procs")) {
            try manager.update(resources: CgroupResources(unified: ["../cgroup.procs": "1"]))
        }
        #expect(throws: CgroupError.self) {
            try manager.update(resources: CgroupResources(realtimeRuntime: 1000))
        }
    }

    /// The script of a process that, once let go, opens device nodes and reports.
    static let deviceScript = """
        read line
        for probe in "write /dev/null" "read /dev/zero" "write /dev/zero" "read /dev/full"; do
          set -- $probe
          if [ "$1" = write ]; then (: > "$2") 2>/dev/null && r=ok || r=denied
          else (: < "$2") 2>/dev/null && r=ok || r=denied; fi
          echo "$1 $2 $r"
        done
        echo done
        """

    /// Starts the device script in the cgroup of `manager` and returns its report lines.
    static func deviceReport(_ manager: CgroupManager) throws -> [String] {
        let go = try TestSupport.pipe()
        let report = try TestSupport.pipe()
        defer { [go.read, go.write, report.read].forEach { _ = close($0) } }
        let pid = try TestSupport.spawn(
            ["/bin/sh", "-c", deviceScript], input: go.read, output: report.write)
        close(report.write)
        defer { TestSupport.killAndReap(pid) }

        try manager.add(pid: pid)
        let wrote = write(go.write, "go\n", 3)
        #expect(wrote == 3)
        let lines = TestSupport.readAll(report.read).split(separator: "\n").map(String.init)
        return lines
    }

    @Test(.enabled(if: hasUnifiedMount))
    func unifiedDeviceRulesAreEnforcedByABPFProgram() throws {
        let name = "/" + TestSupport.uniqueName()
        let root = CgroupRoot.unified(mountPoint: Self.unifiedMount)
        let manager = try CgroupManager(path: name, root: root)
        defer {
            try? manager.killAll(signal: SIGKILL)
            try? manager.destroy()
        }

        let rules = [
            CgroupDeviceRule(allow: false, access: "rwm"),
            CgroupDeviceRule(allow: true, type: "c", major: 1, minor: 3, access: "rwm"),
            CgroupDeviceRule(allow: true, type: "c", major: 1, minor: 5, access: "r"),
        ]
        try manager.create(resources: CgroupResources(devices: rules))

        #expect(
            try Self.deviceReport(manager) == [
                "write /dev/null ok", "read /dev/zero ok", "write /dev/zero denied",
                "read /dev/full denied", "done",
            ])

        // An update replaces the program: now everything but writes to char 1:5.
        let relaxed = [
            CgroupDeviceRule(allow: true, access: "rwm"),
            CgroupDeviceRule(allow: false, type: "c", major: 1, minor: 5, access: "w"),
        ]
        try manager.update(resources: CgroupResources(devices: relaxed))
        #expect(
            try Self.deviceReport(manager) == [
                "write /dev/null ok", "read /dev/zero ok", "write /dev/zero denied",
                "read /dev/full ok", "done",
            ])

        // What a runtime sends for a config that denies every device: the defaults stay.
        let denyAll = CgroupDeviceRule(allow: false, access: "rwm")
        let defaults = CgroupResources(devices: [denyAll] + CgroupDeviceRule.defaultAllowed)
        try manager.update(resources: defaults)
        #expect(
            try Self.deviceReport(manager) == [
                "write /dev/null ok", "read /dev/zero ok", "write /dev/zero ok",
                "read /dev/full ok", "done",
            ])
    }

    @Test func deviceProgramRejectsUnknownLetters() {
        #expect(throws: CgroupError.invalidValue(name: "device type", value: "x")) {
            try CgroupDeviceProgram(rules: [CgroupDeviceRule(allow: true, type: "x")])
        }
        #expect(throws: CgroupError.invalidValue(name: "device access", value: "rq")) {
            try CgroupDeviceProgram(rules: [CgroupDeviceRule(allow: true, access: "rq")])
        }
    }

    /// The v2 limit files cannot be written for real on this machine (memory, cpu,
    /// cpuset and pids are bound to v1), so this test points the v2 code at a plain
    /// directory laid out like a cgroup2 tree and reads back what it wrote: the values
    /// and formats of the OCI → v2 mapping, not the kernel's acceptance of them.
    @Test func unifiedLimitValuesOnAStandInTree() throws {
        var template = Array("/tmp/runcs-cgroup2-standin-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        let top = String(cString: try #require(made))
        defer { try? FileSystem.removeTree(top) }

        let leaf = top + "/box"
        try FileSystem.createDirectory(leaf)
        let controllers = "cpuset cpu io memory pids\n"
        try FileSystem.writeAtomically(top + "/cgroup.controllers", text: controllers)
        try FileSystem.writeAtomically(top + "/cgroup.subtree_control", text: "")
        let files = [
            "memory.max", "memory.low", "memory.swap.max", "cpu.weight", "cpuset.cpus",
            "cpuset.mems", "pids.max",
        ]
        for name in files {
            try FileSystem.writeAtomically(leaf + "/" + name, text: "")
        }
        try FileSystem.writeAtomically(leaf + "/cpu.max", text: "max 100000\n")

        let manager = try CgroupManager(path: "/box", root: .unified(mountPoint: top))
        try manager.create(
            resources: CgroupResources(
                memoryLimit: 64 << 20, memoryReservation: 16 << 20, memorySwap: 96 << 20,
                cpuShares: 1024, cpuQuota: 50_000, cpus: "0-1", mems: "0", pidsLimit: -1))

        #expect(try TestSupport.readFile(leaf + "/memory.max") == "67108864")
        #expect(try TestSupport.readFile(leaf + "/memory.low") == "16777216")
        #expect(try TestSupport.readFile(leaf + "/memory.swap.max") == "33554432")
        #expect(try TestSupport.readFile(leaf + "/cpu.weight") == "39")
        #expect(try TestSupport.readFile(leaf + "/cpu.max") == "50000 100000")
        #expect(try TestSupport.readFile(leaf + "/cpuset.cpus") == "0-1")
        #expect(try TestSupport.readFile(leaf + "/pids.max") == "max")
        // Each controller was enabled in the parent, one "+name" write at a time.
        #expect(try TestSupport.readFile(top + "/cgroup.subtree_control").hasPrefix("+"))

        #expect(throws: CgroupError.invalidValue(
            name: "memory.swap", value: "\(32 << 20) (memory limit \(64 << 20))")) {
            try manager.update(
                resources: CgroupResources(memoryLimit: 64 << 20, memorySwap: 32 << 20))
        }
    }
}
