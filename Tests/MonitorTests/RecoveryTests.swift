import JSON
import Glibc
import MonitorClient
import SystemKit
import Testing

@Suite struct RecoveryTests {
    /// A shell plays the daemon: it starts the monitor and is then killed with SIGKILL,
    /// with its whole process group; the container exits while no daemon is there.
    @Test func exitDuringTheLaunchersAbsenceIsRecorded() throws {
        let container = try TestContainer(
            "outage",
            arguments: ["sh", "-c",
                        "trap 'exit 7' TERM; echo armed; while true; do sleep 0.1; done"])
        defer { container.remove() }

        let ready = try FileDescriptor.pipe()
        let null = try ChildProcess.openNull()
        let arguments = container.spec().arguments(readyDescriptor: 1)
        let launcher = try ChildProcess.spawn(
            "/bin/sh", ["sh", "-c", "\"$@\"; exec sleep 1000", "sh", TestContainer.monitorPath()]
                + arguments,
            descriptors: [null, ready.write, null], newSession: true)
        ready.write.close()
        null.close()
        defer {
            kill(-launcher, SIGKILL)
            _ = try? ChildProcess.wait(launcher)
            ready.read.close()
        }

        let report = read(ready.read, until: "\n")
        let reply = try JSONParser.parse(report)
        try #require(reply["ok"]?.boolValue == true, "monitor reported \(report)")
        let monitor = try MonitorClient.connect(container.stateDirectory)
        try monitor.start()
        let status = try monitor.status()
        #expect(status.state == .running)
        // A signal reaches a namespace's init only once it has a handler for it.
        #expect(container.logShows("armed"))

        // The monitor is neither the launcher's child nor ours.
        let parent = parentPid(of: status.monitorPid)
        #expect(parent != nil && parent != getpid() && parent != launcher)

        kill(-launcher, SIGKILL)
        _ = try ChildProcess.wait(launcher)
        #expect(MonitorClient.isAlive(container.stateDirectory))
        #expect(try MonitorClient.readExit(container.stateDirectory) == nil)

        // The container ends on its own while nobody talks to the monitor.
        kill(monitor.pid, SIGTERM)
        #expect(try eventually { try MonitorClient.readExit(container.stateDirectory) != nil })
        #expect(try MonitorClient.readExit(container.stateDirectory)?.exitCode == 7)
        #expect(eventually { !processExists(status.monitorPid) })
    }

    @Test func statusAfterReconnectingMatchesTheLaunch() throws {
        let container = try TestContainer("status", arguments: ["sleep", "30"])
        defer { container.remove() }

        let launched = try MonitorClient.launch(container.spec())
        let found = try MonitorClient.connect(container.stateDirectory)
        #expect(found.pid == launched.pid)
        #expect(try found.status().state == .created)
        #expect(MonitorClient.isAlive(container.stateDirectory))

        try found.kill(signal: SIGKILL)
        #expect(eventually { !MonitorClient.isAlive(container.stateDirectory) })
        do {
            _ = try MonitorClient.connect(container.stateDirectory)
            Issue.record("connect succeeded with no monitor")
        } catch {
            guard case .notRunning = error else {
                Issue.record("unexpected error \(error)")
                return
            }
        }
        #expect(try MonitorClient.readExit(container.stateDirectory)?.exitCode == 137)
        #expect(try found.wait().exitCode == 137)
    }
}
