#if canImport(Glibc)
import Glibc
#endif
import SystemKit

extension Runtime {
    /// `runcs update`: writes new limits into the cgroup of a container that has not
    /// stopped, and records them in its state. Values `resources` leaves out (or gives
    /// as zero, as callers do for fields they do not set) stay as they are.
    public func update(_ id: String, resources: Spec.Resources) throws(RuntimeError) {
        let lock = try store.lock(id)
        defer { lock.unlock() }
        var state = try store.load(id)
        guard store.status(of: state) != .stopped else {
            throw RuntimeError.notRunning(id)
        }
        try ContainerCgroup.update(state, to: resources)
        state.resources = (state.resources ?? Spec.Resources()).merging(resources)
        try store.save(state)
        logger.debug("container updated", ["id": id])
    }

    /// A `linux.resources` object of config.json, as `update --resources` reads it.
    public static func parseResources(_ bytes: [UInt8]) throws(RuntimeError) -> Spec.Resources {
        try Spec.Resources(json: JSONObject(JSONValue.parse(bytes), path: "resources"))
    }

    /// A size in bytes as `update --memory` takes it: a number with an optional binary
    /// unit ("512k", "64m", "1g", "2GiB"), or -1 for unlimited.
    public static func parseByteSize(_ text: String) throws(RuntimeError) -> Int64 {
        if text == "-1" {
            return -1
        }
        let lowered = text.lowercased()
        let digits = lowered.prefix { $0.isNumber || $0 == "." }
        var unit = lowered.dropFirst(digits.count)
        for suffix in ["ib", "b"] where unit.hasSuffix(suffix) && unit.count > suffix.count {
            unit = unit.dropLast(suffix.count)
            break
        }
        let shifts: [Substring: Int64] = ["": 0, "b": 0, "k": 10, "m": 20, "g": 30, "t": 40,
                                          "p": 50]
        guard let number = Double(digits), number >= 0, let shift = shifts[unit] else {
            throw RuntimeError(.invalidArgument, "invalid size \"\(text)\"")
        }
        let bytes = number * Double(Int64(1) << shift)
        guard bytes < 9.2e18 else {
            throw RuntimeError(.invalidArgument, "size \"\(text)\" is too large")
        }
        return Int64(bytes)
    }
}

extension Spec.Resources {
    /// These resources with every value that `update` sets (not nil, not zero or empty)
    /// replaced; device rules are not updated.
    func merging(_ update: Spec.Resources) -> Spec.Resources {
        func pick<T: Equatable>(_ new: T?, _ old: T?, unset: T) -> T? {
            guard let new, new != unset else {
                return old
            }
            return new
        }
        var merged = self
        if let memory = update.memory {
            let old = self.memory
            merged.memory = Spec.Memory(
                limit: pick(memory.limit, old?.limit, unset: 0),
                reservation: pick(memory.reservation, old?.reservation, unset: 0),
                swap: pick(memory.swap, old?.swap, unset: 0))
        }
        if let cpu = update.cpu {
            let old = self.cpu
            merged.cpu = Spec.CPU(
                shares: pick(cpu.shares, old?.shares, unset: 0),
                quota: pick(cpu.quota, old?.quota, unset: 0),
                period: pick(cpu.period, old?.period, unset: 0),
                cpus: pick(cpu.cpus, old?.cpus, unset: ""),
                mems: pick(cpu.mems, old?.mems, unset: ""),
                realtimeRuntime: pick(cpu.realtimeRuntime, old?.realtimeRuntime, unset: 0),
                realtimePeriod: pick(cpu.realtimePeriod, old?.realtimePeriod, unset: 0))
        }
        if let pids = update.pids, pids.limit != 0 {
            merged.pids = pids
        }
        if let unified = update.unified {
            merged.unified = (self.unified ?? [:]).merging(unified) { _, new in new }
        }
        return merged
    }
}
