#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemKit

extension CgroupManager {
    /// Writes every field of `resources` that is set into the cgroup's files.
    func apply(_ resources: CgroupResources) throws {
        let settled = resources.withUnsetValuesRemoved
        if let shares = settled.cpuShares, !(2...262_144).contains(shares) {
            throw CgroupError.outOfRange(name: "cpu shares", value: String(shares),
                                         allowed: "2 to 262144")
        }
        if isUnified {
            try applyUnified(settled)
            try applyUnifiedFiles(settled.unified)
        } else {
            guard settled.unified.isEmpty else {
                throw CgroupError.invalidValue(
                    name: "unified", value: "invalid configuration: linux.resources.unified "
                        + "needs cgroup v2, and this machine's controllers are on v1")
            }
            try applyLegacy(settled)
        }
    }

    /// `linux.resources.unified`: each file written as given, after the typed limits so
    /// that it can refine them. A name must be a file of the cgroup's own directory.
    private func applyUnifiedFiles(_ files: [String: String]) throws {
        for (name, value) in files.sorted(by: { $0.key < $1.key }) {
            guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
                throw CgroupError.invalidValue(name: "unified", value: name)
            }
            try write(directories[0].path, name, value)
        }
    }

    /// The directory of the v1 hierarchy that has `controller`.
    func directory(for controller: String) -> CgroupDirectory? {
        directories.first { $0.controllers.contains(controller) }
    }

    /// The v1 directory for `controller`, or an error naming the cgroup when the machine
    /// has no such hierarchy.
    private func requireDirectory(_ controller: String) throws -> String {
        guard let found = directory(for: controller) else {
            throw CgroupError.controllerUnavailable(controller: controller, path: path)
        }
        return found.path
    }

    // MARK: cgroup v1

    private func applyLegacy(_ resources: CgroupResources) throws {
        let wantsMemory = resources.memoryLimit != nil || resources.memorySwap != nil
            || resources.memoryReservation != nil
        if wantsMemory {
            try applyLegacyMemory(resources, in: requireDirectory("memory"))
        }

        let wantsCPU = resources.cpuShares != nil || resources.cpuQuota != nil
            || resources.cpuPeriod != nil || resources.realtimeRuntime != nil
            || resources.realtimePeriod != nil
        if wantsCPU {
            let cpu = try requireDirectory("cpu")
            if let shares = resources.cpuShares {
                try write(cpu, "cpu.shares", String(shares))
            }
            try writePair(cpu, ("cpu.cfs_period_us", resources.cpuPeriod.map { String($0) }),
                          ("cpu.cfs_quota_us", resources.cpuQuota.map { String($0 > 0 ? $0 : -1) }))
            try writePair(cpu, ("cpu.rt_period_us", resources.realtimePeriod.map { String($0) }),
                          ("cpu.rt_runtime_us", resources.realtimeRuntime.map { String($0) }))
        }

        if resources.cpus != nil || resources.mems != nil {
            let cpuset = try requireDirectory("cpuset")
            if let cpus = resources.cpus {
                try write(cpuset, "cpuset.cpus", cpus)
            }
            if let mems = resources.mems {
                try write(cpuset, "cpuset.mems", mems)
            }
        }

        if let limit = resources.pidsLimit {
            try write(try requireDirectory("pids"), "pids.max", limit > 0 ? String(limit) : "max")
        }

        if !resources.hugepageLimits.isEmpty {
            try applyHugepageLimits(resources.hugepageLimits, in: requireDirectory("hugetlb"),
                                    file: { "hugetlb.\($0).limit_in_bytes" })
        }

        if !resources.devices.isEmpty {
            let devices = try requireDirectory("devices")
            for rule in resources.devices {
                try write(devices, rule.allow ? "devices.allow" : "devices.deny", rule.v1Line)
            }
        }
    }

    /// The v1 memory files. The kernel insists that memory+swap stays at least the memory
    /// limit at every moment, so when both grow the swap limit goes first, else the
    /// memory limit does.
    private func applyLegacyMemory(_ resources: CgroupResources, in memory: String) throws {
        if let reservation = resources.memoryReservation {
            try write(memory, "memory.soft_limit_in_bytes", String(reservation))
        }

        // A kernel booted without swap accounting has no memsw files and cannot limit
        // swap; the memory limit still holds, so the swap value is passed over, as runc
        // does, rather than failing every container that states one.
        let swapFile = "memory.memsw.limit_in_bytes"
        let swapLimit = FileSystem.exists(memory + "/" + swapFile) ? resources.memorySwap : nil
        switch (resources.memoryLimit, swapLimit) {
        case (let limit?, let swap?):
            let current = try readNumber(memory + "/" + swapFile) ?? UInt64.max
            let wanted = swap < 0 ? UInt64.max : UInt64(swap)
            if wanted >= current {
                try write(memory, swapFile, String(swap))
                try write(memory, "memory.limit_in_bytes", String(limit))
            } else {
                try write(memory, "memory.limit_in_bytes", String(limit))
                try write(memory, swapFile, String(swap))
            }
        case (let limit?, nil):
            try write(memory, "memory.limit_in_bytes", String(limit))
        case (nil, let swap?):
            try write(memory, swapFile, String(swap))
        case (nil, nil):
            break
        }
    }

    // MARK: cgroup v2

    /// The v2 controllers that `resources` needs.
    static func unifiedControllers(for resources: CgroupResources) -> [String] {
        var needed: [String] = []
        if resources.cpus != nil || resources.mems != nil {
            needed.append("cpuset")
        }
        if resources.cpuShares != nil || resources.cpuQuota != nil || resources.cpuPeriod != nil {
            needed.append("cpu")
        }
        if resources.memoryLimit != nil || resources.memorySwap != nil
            || resources.memoryReservation != nil
        {
            needed.append("memory")
        }
        if resources.pidsLimit != nil {
            needed.append("pids")
        }
        if !resources.hugepageLimits.isEmpty {
            needed.append("hugetlb")
        }
        return needed
    }

    /// Enables `controllers` in `cgroup.subtree_control` of every ancestor of the cgroup,
    /// from the hierarchy root down, so the cgroup gets their files.
    func enableUnifiedControllers(_ controllers: [String], for directory: CgroupDirectory)
        throws
    {
        if controllers.isEmpty {
            return
        }
        let relative = directory.path.dropFirst(directory.mountPoint.count)
        var ancestor = directory.mountPoint
        for component in relative.split(separator: "/") {
            let available = try words(ancestor + "/cgroup.controllers")
            let enabled = try words(ancestor + "/cgroup.subtree_control")
            for controller in controllers where !enabled.contains(controller) {
                guard available.contains(controller) else {
                    throw CgroupError.controllerUnavailable(
                        controller: controller, path: ancestor)
                }
                try write(ancestor, "cgroup.subtree_control", "+" + controller)
            }
            ancestor += "/" + component
        }
    }

    private func applyUnified(_ resources: CgroupResources) throws {
        if let runtime = resources.realtimeRuntime ?? resources.realtimePeriod.map(Int64.init) {
            throw CgroupError.invalidValue(
                name: "cpu.realtime", value: "\(runtime): real-time limits need cgroup v1")
        }
        let directory = directories[0]
        let cgroup = directory.path
        if !resources.devices.isEmpty {
            try CgroupDeviceProgram(rules: resources.devices).attach(to: cgroup)
        }
        try enableUnifiedControllers(Self.unifiedControllers(for: resources), for: directory)

        if let reservation = resources.memoryReservation {
            try write(cgroup, "memory.low", String(reservation))
        }
        if let limit = resources.memoryLimit {
            try write(cgroup, "memory.max", limit < 0 ? "max" : String(limit))
        }
        // As on v1, a kernel without swap accounting has no file to write.
        if let swap = resources.memorySwap, FileSystem.exists(cgroup + "/memory.swap.max") {
            try write(cgroup, "memory.swap.max", try unifiedSwap(swap, resources, cgroup))
        }

        if let shares = resources.cpuShares {
            try write(cgroup, "cpu.weight", String(Self.cpuWeight(shares: shares)))
        }
        if resources.cpuQuota != nil || resources.cpuPeriod != nil {
            let current = try words(cgroup + "/cpu.max")
            let quota = resources.cpuQuota.map { $0 > 0 ? String($0) : "max" }
                ?? current.first ?? "max"
            let period = resources.cpuPeriod.map { String($0) } ?? current.last ?? "100000"
            try write(cgroup, "cpu.max", quota + " " + period)
        }

        if let cpus = resources.cpus {
            try write(cgroup, "cpuset.cpus", cpus)
        }
        if let mems = resources.mems {
            try write(cgroup, "cpuset.mems", mems)
        }

        if let limit = resources.pidsLimit {
            try write(cgroup, "pids.max", limit > 0 ? String(limit) : "max")
        }

        try applyHugepageLimits(resources.hugepageLimits, in: cgroup,
                                file: { "hugetlb.\($0).max" })
    }

    /// Writes each huge page limit into `file(pageSize)` of `directory`; a page size the
    /// kernel has no file for is an error naming it, before anything is written.
    private func applyHugepageLimits(_ limits: [String: UInt64], in directory: String,
                                     file: (String) -> String) throws
    {
        for pageSize in limits.keys.sorted()
        where !FileSystem.exists(directory + "/" + file(pageSize)) {
            throw CgroupError.invalidValue(name: "hugepageLimits.pageSize", value: pageSize)
        }
        for (pageSize, limit) in limits.sorted(by: { $0.key < $1.key }) {
            try write(directory, file(pageSize), String(limit))
        }
    }

    /// `memory.swap.max` for OCI `swap`, which counts memory plus swap while v2 counts swap
    /// alone: the memory limit is subtracted.
    private func unifiedSwap(_ swap: Int64, _ resources: CgroupResources, _ cgroup: String)
        throws -> String
    {
        if swap < 0 {
            return "max"
        }
        var limit = resources.memoryLimit
        if limit == nil, let current = try readNumber(cgroup + "/memory.max") {
            limit = Int64(clamping: current)
        }
        guard let limit, limit >= 0, swap >= limit else {
            throw CgroupError.invalidValue(
                name: "memory.swap", value: "\(swap) (memory limit \(limit ?? -1))")
        }
        return String(swap - limit)
    }

    /// v1 `cpu.shares` (2...262144, default 1024) mapped onto v2 `cpu.weight` (1...10000,
    /// default 100) linearly, end to end.
    public static func cpuWeight(shares: UInt64) -> UInt64 {
        let clamped = min(max(shares, 2), 262_144)
        return 1 + ((clamped - 2) * 9999) / 262_142
    }

    // MARK: files

    /// Writes `value` to the file `name` of the cgroup directory `directory`.
    func write(_ directory: String, _ name: String, _ value: String) throws {
        try FileSystem.writeKnob(directory + "/" + name, value)
    }

    /// A period and the time allowed in it. The kernel checks each write against the
    /// other value in force and against the parent's limit, so the order that works
    /// depends on both: the period goes first (a quota is judged by the period in
    /// force), and when the kernel refuses that, the time goes first instead.
    func writePair(_ directory: String, _ period: (name: String, value: String?),
                   _ time: (name: String, value: String?)) throws {
        guard let periodValue = period.value else {
            if let timeValue = time.value {
                try write(directory, time.name, timeValue)
            }
            return
        }
        guard let timeValue = time.value else {
            try write(directory, period.name, periodValue)
            return
        }
        do {
            try write(directory, period.name, periodValue)
        } catch let error as SystemError where error.errno == EINVAL {
            try write(directory, time.name, timeValue)
            try write(directory, period.name, periodValue)
            return
        }
        try write(directory, time.name, timeValue)
    }

    /// The whitespace-separated words of a file.
    func words(_ file: String) throws -> [String] {
        try FileSystem.readText(file).split(whereSeparator: { $0 == " " || $0 == "\n" })
            .map(String.init)
    }

    /// The number in a file; nil when it says "max". A missing file throws.
    func readNumber(_ file: String) throws -> UInt64? {
        let text = try FileSystem.readText(file).trimmingNewline()
        if text == "max" {
            return nil
        }
        guard let value = UInt64(text) else {
            throw CgroupError.invalidValue(name: file, value: text)
        }
        return value
    }
}

extension String {
    /// The string without trailing newlines and spaces.
    func trimmingNewline() -> String {
        var result = Substring(self)
        while let last = result.last, last == "\n" || last == " " {
            result = result.dropLast()
        }
        return String(result)
    }
}
