import Glibc
import RuntimeKit
import SystemKit
import Testing

/// pause and resume through the freezer: a paused container's processes stop, resume
/// lets them go on, and a paused container can still be killed and deleted.
@Suite struct PauseTests {
    /// A shell that counts up in /counter ten times a second.
    static let counting = ["/bin/sh", "-c",
                           "i=0; while true; do i=$((i+1)); echo $i > /counter; sleep 0.1; done"]

    func counter(_ container: TestContainer) -> Int {
        let text = (try? FileSystem.readText("\(container.rootfs)/counter")) ?? ""
        return Int(text.split(separator: "\n").first ?? "") ?? 0
    }

    @Test func aPausedContainerStopsCountingAndResumeLetsItGoOn() throws {
        let container = try TestContainer.writableAlpine(args: Self.counting)
        defer { container.cleanUp() }
        let id = container.makeID("pause")
        let started = try container.runcs(["run", "-d", "-b", container.bundle, id])
        try #require(started.status == 0, "\(started.error)")
        #expect(container.waitUntil { counter(container) >= 2 })

        let paused = try container.runcs(["pause", id])
        #expect(paused.status == 0, "\(paused.error)")
        #expect(try container.status(id) == "paused")
        #expect(try container.runcs(["list"]).output.contains("paused"))
        let frozenAt = counter(container)
        usleep(500_000)
        #expect(counter(container) == frozenAt)

        let twice = try container.runcs(["pause", id])
        #expect(twice.status != 0)
        #expect(twice.error.contains("container not running"))

        #expect(try container.runcs(["resume", id]).status == 0)
        #expect(try container.status(id) == "running")
        #expect(container.waitUntil { counter(container) >= frozenAt + 2 })
        let notPaused = try container.runcs(["resume", id])
        #expect(notPaused.status != 0)
        #expect(notPaused.error.contains("container not paused"))
    }

    @Test func aCreatedContainerCannotBePaused() throws {
        let container = try TestContainer.writableAlpine(args: ["/bin/sleep", "30"])
        defer { container.cleanUp() }
        let id = container.makeID("pausecreated")
        try #require(try container.runcs(["create", "-b", container.bundle, id]).status == 0)
        let refused = try container.runcs(["pause", id])
        #expect(refused.status != 0)
        #expect(refused.error.contains("container not running"))
        #expect(try container.status(id) == "created")
    }

    @Test func aPausedContainerIsKilledAndDeleted() throws {
        let container = try TestContainer.writableAlpine(args: Self.counting)
        defer { container.cleanUp() }

        // kill KILL, then a plain delete: kill thaws it and waits for the end.
        let killed = container.makeID("pausekill")
        let run = try container.runcs(["run", "-d", "-b", container.bundle, killed])
        try #require(run.status == 0, "\(run.error)")
        try #require(try container.runcs(["pause", killed]).status == 0)
        let kill = try container.runcs(["kill", killed, "KILL"])
        #expect(kill.status == 0, "\(kill.error)")
        #expect(try container.status(killed) == "stopped")
        let deleted = try container.runcs(["delete", killed])
        #expect(deleted.status == 0, "\(deleted.error)")

        // delete --force of a paused container; a plain delete is refused first.
        let forced = container.makeID("pauseforce")
        let second = try container.runcs(["run", "-d", "-b", container.bundle, forced])
        try #require(second.status == 0, "\(second.error)")
        try #require(try container.runcs(["pause", forced]).status == 0)
        let refused = try container.runcs(["delete", forced])
        #expect(refused.error.contains("not stopped: paused"))
        let force = try container.runcs(["delete", "--force", forced])
        #expect(force.status == 0, "\(force.error)")
        #expect(try container.runcs(["list", "-q"]).output.isEmpty)
        #expect(!FileSystem.exists(Self.freezerDirectory(of: container)))
    }

    /// The container's cgroup in the hierarchy that freezes it.
    static func freezerDirectory(of container: TestContainer) -> String {
        let path = container.spec.linux?.cgroupsPath ?? ""
        if FileSystem.exists("/sys/fs/cgroup/cgroup.controllers") {
            return "/sys/fs/cgroup\(path)"
        }
        return "/sys/fs/cgroup/freezer\(path)"
    }
}
