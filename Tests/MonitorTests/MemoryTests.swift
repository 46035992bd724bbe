import Glibc
import MonitorClient
import SystemKit
import Testing

@Suite struct MemoryTests {
    /// Twenty monitors with running containers: their proportional set size, summed from
    /// /proc/PID/smaps_rollup, stays small because the static binary's pages are shared.
    @Test func twentyMonitorsStaySmall() throws {
        var containers: [TestContainer] = []
        defer {
            for container in containers {
                container.remove()
            }
        }
        var monitorPids: [Int32] = []
        for index in 0..<20 {
            let container = try TestContainer("mem\(index)", arguments: ["sleep", "60"])
            containers.append(container)
            let monitor = try MonitorClient.launch(container.spec())
            try monitor.start()
            monitorPids.append(try monitor.status().monitorPid)
        }

        var totalPss = 0
        var totalRss = 0
        for pid in monitorPids {
            let rollup = try FileSystem.readText("/proc/\(pid)/smaps_rollup")
            totalPss += kilobytes("Pss:", in: rollup)
            totalRss += kilobytes("Rss:", in: rollup)
        }
        let line = "20 monitors: total PSS \(totalPss) KiB (\(totalPss / 20) KiB each), "
            + "RSS \(totalRss / 20) KiB each\n"
        try? FileDescriptor.standardError.writeAll(line)
        #expect(totalPss / 20 < 1024, "\(line)")

        for container in containers {
            let monitor = try MonitorClient.connect(container.stateDirectory)
            try monitor.kill(signal: SIGKILL)
        }
        for container in containers {
            #expect(eventually { !MonitorClient.isAlive(container.stateDirectory) })
        }
    }

    func kilobytes(_ field: String, in rollup: String) -> Int {
        for line in rollup.split(separator: "\n") where line.hasPrefix(field) {
            return Int(line.split(separator: " ")[1]) ?? 0
        }
        return 0
    }
}
