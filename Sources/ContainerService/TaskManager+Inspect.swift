#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import MonitorClient
import RuntimeSupport
import SystemKit
import Varlink

/// What a task is doing: its processes and its resource use.
extension TaskManager {
    /// A container's resource use, as `io.contaird.Tasks.Metrics` reports it.
    public struct ResourceUsage: Codable, Sendable {
        public var time: String
        public var cpuUsageNanoseconds: Int
        public var memoryUsageBytes: Int
        public var memoryLimitBytes: Int?
        public var pids: Int
        public var pidsLimit: Int?
    }

    func cgroup(_ id: String) throws(Failure) -> CgroupManager {
        do {
            return try CgroupManager(path: configuration.cgroupParent + "/" + id)
        } catch {
            throw .runtime(command: "cgroup", message: "\(error)")
        }
    }

    /// The processes of the container, from its cgroup and /proc.
    public func processes(_ id: String) throws(Failure) -> [ProcessInfo] {
        let current = try info(id)
        guard current.status != .stopped else { return [] }
        let pids: [pid_t]
        do {
            pids = try cgroup(id).processes()
        } catch let failure as Failure {
            throw failure
        } catch {
            throw .runtime(command: "cgroup.procs", message: "\(error)")
        }
        return pids.sorted().compactMap(Self.processInfo)
    }

    /// Reads what `ps` shows of `pid` from /proc; nil when it has exited meanwhile.
    static func processInfo(_ pid: pid_t) -> ProcessInfo? {
        guard let stat = try? FileSystem.readText("/proc/\(pid)/stat"),
            let status = try? FileSystem.readText("/proc/\(pid)/status"),
            let closing = stat.lastIndex(of: ")")
        else {
            return nil
        }
        // After "pid (comm) " come the state and the parent's pid.
        let fields = stat[stat.index(after: closing)...].split(separator: " ")
        var uid = 0
        var containerPid = Int(pid)
        for line in status.split(separator: "\n") {
            let parts = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
            if line.hasPrefix("Uid:"), parts.count > 1 { uid = Int(parts[1]) ?? 0 }
            if line.hasPrefix("NSpid:"), let last = parts.last { containerPid = Int(last) ?? 0 }
        }
        let commandLine = (try? FileSystem.read("/proc/\(pid)/cmdline")) ?? []
        var command = String(decoding: commandLine.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            .trimmingWhitespace()
        if command.isEmpty {
            let start = stat.index(after: stat.firstIndex(of: "(") ?? stat.startIndex)
            command = "[" + String(stat[start..<closing]) + "]"
        }
        return ProcessInfo(pid: Int(pid), containerPid: containerPid,
                           ppid: fields.count > 1 ? Int(fields[1]) ?? 0 : 0, uid: uid,
                           state: fields.first.map(String.init) ?? "?", command: command)
    }

    /// CPU, memory and pids use of the container, from its cgroup.
    public func metrics(_ id: String) throws(Failure) -> ResourceUsage {
        _ = try info(id)
        let stats: CgroupStats
        do {
            stats = try cgroup(id).stats()
        } catch let failure as Failure {
            throw failure
        } catch {
            throw .runtime(command: "cgroup stats", message: "\(error)")
        }
        return ResourceUsage(
            time: Logger.timestamp(),
            cpuUsageNanoseconds: Int(clamping: stats.cpu?.totalUsage ?? 0),
            memoryUsageBytes: Int(clamping: stats.memory?.usage ?? 0),
            memoryLimitBytes: stats.memory?.limit.map { Int(clamping: $0) },
            pids: Int(clamping: stats.pids?.current ?? 0),
            pidsLimit: stats.pids?.limit.map { Int(clamping: $0) })
    }
}
