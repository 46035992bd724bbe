import FoundationEssentials
import Glibc
import RuntimeKit
import SystemKit
import Testing

/// create, start, state, list, kill, delete and run, driven through the runcs binary.
@Suite struct LifecycleTests {
    func state(_ container: TestContainer, _ id: String) throws -> StateReport? {
        let result = try container.runcs(["state", id])
        guard result.status == 0 else { return nil }
        return try JSONDecoder().decode(StateReport.self, from: Data(result.output.utf8))
    }

    @Test func createStartKillDeleteWalksThroughEveryStatus() throws {
        let container = try TestContainer(args: ["sleep", "30"])
        defer { container.cleanUp() }
        let id = container.makeID("life")
        let pidFile = "\(container.directory)/pid"

        let created = try container.runcs(["create", "--bundle", container.bundle,
                                           "--pid-file", pidFile, id])
        #expect(created.status == 0, "\(created.error)")
        let report = try #require(try state(container, id))
        #expect(report.status == .created)
        #expect(report.id == id)
        #expect(report.bundle == container.bundle)
        #expect(report.rootfs == container.rootfs)
        #expect(report.owner == "root")
        #expect(try FileSystem.readText(pidFile) == String(report.pid))
        var pidFileStatus = stat()
        #expect(stat(pidFile, &pidFileStatus) == 0)
        #expect(pidFileStatus.st_mode & 0o777 == 0o644, "readable by all, as runc's")
        let processName = try FileSystem.readText("/proc/\(report.pid)/comm")
        #expect(processName == "runcs:init\n")

        let listed = try container.runcs(["list", "--format", "json"])
        let all = try JSONDecoder().decode([StateReport].self, from: Data(listed.output.utf8))
        #expect(all.map(\.id) == [id])
        // One line, the fields in runc's order, which callers match with patterns.
        #expect(listed.output.hasPrefix("[{\"ociVersion\":\"1."), "\(listed.output)")
        #expect(listed.output.contains(",\"id\":\"\(id)\",\"pid\":\(report.pid),"
                                       + "\"status\":\"created\",\"bundle\":"))
        #expect(listed.output.split(separator: "\n").count == 1)
        #expect(try container.runcs(["list", "-q"]).output == "\(id)\n")
        #expect(try container.runcs(["list"]).output.contains("created"))

        #expect(try container.runcs(["start", id]).status == 0)
        #expect(try state(container, id)?.status == .running)
        #expect(try FileSystem.readText("/proc/\(report.pid)/comm") == "sleep\n")
        let again = try container.runcs(["start", id])
        #expect(again.status != 0)

        let refused = try container.runcs(["delete", id])
        #expect(refused.status != 0)
        #expect(refused.error.contains("not stopped"))

        #expect(try container.runcs(["kill", id, "KILL"]).status == 0)
        var stopped = false
        for _ in 0..<100 where !stopped {
            stopped = try state(container, id)?.status == .stopped
            usleep(20_000)
        }
        #expect(stopped)
        let notRunning = try container.runcs(["kill", id, "TERM"])
        #expect(notRunning.error.contains("container not running"))
        // --all reaches whatever is left in the cgroup, which may be nothing.
        let leftovers = try container.runcs(["kill", "--all", id, "0"])
        #expect(leftovers.status == 0, "\(leftovers.error)")

        #expect(try container.runcs(["delete", id]).status == 0)
        let gone = try container.runcs(["state", id])
        #expect(gone.status != 0)
        #expect(gone.error.contains("does not exist"))
    }

    @Test func runPassesTheExitStatusThroughAndDeletes() throws {
        let container = try TestContainer(args: ["sh", "-c", "echo out; echo err >&2; exit 7"])
        defer { container.cleanUp() }
        let id = container.makeID("exit")
        let result = try container.run(id)
        #expect(result.status == 7)
        #expect(result.output == "out\n")
        #expect(result.error.contains("err\n"))
        #expect(try container.runcs(["state", id]).error.contains("does not exist"))
    }

    @Test func runDetachedLeavesItRunningAndDeleteForceRemovesIt() throws {
        let container = try TestContainer(args: ["sleep", "30"])
        defer { container.cleanUp() }
        let id = container.makeID("detach")
        let result = try container.runcs(["run", "-d", "--bundle", container.bundle, id])
        #expect(result.status == 0, "\(result.error)")
        #expect(try state(container, id)?.status == .running)
        #expect(try container.runcs(["delete", "--force", id]).status == 0)
        #expect(try state(container, id) == nil)
    }

    @Test func callsOnOneContainerWaitForItsLock() throws {
        let container = try TestContainer(args: ["sleep", "30"])
        defer { container.cleanUp() }
        let id = container.makeID("lock")
        #expect(try container.runcs(["create", "-b", container.bundle, id]).status == 0)

        // Hold the container's lock as another runcs would; delete must wait for it.
        let directory = open("\(container.stateRoot)/\(id)", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        #expect(flock(directory, LOCK_EX) == 0)
        let delete = try TestContainer.spawn([TestContainer.runcsPath, "--root",
                                              container.stateRoot, "delete", "--force", id])
        usleep(300_000)
        var status: Int32 = 0
        #expect(waitpid(delete.pid, &status, WNOHANG) == 0)
        #expect(try state(container, id)?.status == .created)
        close(directory)
        #expect(delete.wait().status == 0)
        #expect(try state(container, id) == nil)
    }

    @Test func runKeepLeavesTheStoppedContainerForDelete() throws {
        let container = try TestContainer(args: ["true"])
        defer { container.cleanUp() }
        let id = container.makeID("keep")
        let result = try container.runcs(["run", "--keep", "-b", container.bundle, id])
        #expect(result.status == 0, "\(result.error)")
        #expect(try state(container, id)?.status == .stopped)
        #expect(try container.runcs(["delete", id]).status == 0)
    }

    @Test func aSecondCreateOfTheSameIDFails() throws {
        let container = try TestContainer(args: ["sleep", "30"])
        defer { container.cleanUp() }
        let id = container.makeID("twice")
        #expect(try container.runcs(["create", "-b", container.bundle, id]).status == 0)
        let second = try container.runcs(["create", "-b", container.bundle, id])
        #expect(second.status != 0)
        #expect(second.error.contains("already exists"))
        #expect(try state(container, id)?.status == .created)
    }

    @Test func killWithoutASignalOrWithAnEmptyOneSendsTerm() throws {
        let script = "trap 'echo term > /tmp/got; exit 0' TERM; touch /tmp/ready; "
            + "while :; do sleep 0.1; done"
        for signalArguments in [[], [""]] {
            let container = try TestContainer(args: ["sh", "-c", script])
            defer { container.cleanUp() }
            container.spec.root?.readonly = false
            let id = try container.runDetached("term")
            #expect(container.waitUntil { FileSystem.exists("\(container.rootfs)/tmp/ready") })

            let killed = try container.runcs(["kill", id] + signalArguments)
            #expect(killed.status == 0, "\(killed.error)")
            #expect(try container.waitUntil { try container.status(id) == "stopped" })
            #expect(try FileSystem.readText("\(container.rootfs)/tmp/got") == "term\n")
        }
    }

    @Test func unknownContainersAndBadSpecsFailWithTheirNames() throws {
        let container = try TestContainer(args: ["true"])
        defer { container.cleanUp() }
        #expect(try container.runcs(["delete", "ghost"]).error.contains("does not exist"))
        #expect(try container.runcs(["kill", "ghost"]).error.contains("does not exist"))
        #expect(try container.runcs(["delete", "--force", "ghost"]).status == 0)

        container.spec.process?.args = ["no-such-binary"]
        let missing = try container.run()
        #expect(missing.status != 0)
        #expect(missing.error.contains("no-such-binary"))
        #expect(try container.runcs(["list", "-q"]).output.isEmpty)
    }

    @Test func errorsGoToTheLogAsJSONLines() throws {
        let container = try TestContainer(args: ["true"])
        defer { container.cleanUp() }
        let log = "\(container.directory)/runcs.log"
        let result = try container.runcs(["--log", log, "--log-format=json", "start", "ghost"])
        #expect(result.status != 0)
        let lines = try FileSystem.readText(log).split(separator: "\n")
        let last = try #require(lines.last)
        #expect(last.contains("\"level\":\"error\""))
        #expect(last.contains("does not exist"))
    }

    @Test func specWritesADefaultConfigAndRefusesToOverwrite() throws {
        let directory = try TestContainer.temporaryDirectory(prefix: "runcs-spec")
        defer { try? FileSystem.removeTree(directory) }
        let first = try TestContainer.execute([TestContainer.runcsPath, "spec", "--bundle",
                                               directory])
        #expect(first.status == 0)
        let spec = try JSONDecoder().decode(
            Spec.self, from: Data(try FileSystem.read("\(directory)/config.json")))
        #expect(spec.process?.args == ["sh"])
        #expect(spec.process?.terminal == true)
        #expect(spec.root?.readonly == true)
        #expect(spec.linux?.namespaces?.map(\.type) == ["pid", "network", "ipc", "uts", "mount"])
        #expect(spec.linux?.maskedPaths?.contains("/proc/kcore") == true)
        #expect(spec.process?.capabilities?.bounding?.contains("CAP_KILL") == true)
        let second = try TestContainer.execute([TestContainer.runcsPath, "spec", "-b", directory])
        #expect(second.status != 0)
        #expect(second.error.contains("exists"))
    }
}
