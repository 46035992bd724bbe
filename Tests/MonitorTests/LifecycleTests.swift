import Glibc
import MonitorClient
import SystemKit
import Testing

@Suite struct LifecycleTests {
    @Test func outputGoesToTheLogAndTheExitIsRecorded() throws {
        let container = try TestContainer(
            "logs", arguments: ["sh", "-c", "echo hello; echo oops >&2; exit 3"])
        defer { container.remove() }

        let monitor = try MonitorClient.launch(container.spec())
        #expect(monitor.pid > 0)
        let status = try monitor.status()
        #expect(status.state == .created)
        #expect(status.pid == monitor.pid)
        try monitor.start()

        let exited = try eventually { try MonitorClient.readExit(container.stateDirectory) != nil }
        #expect(exited)
        let record = try MonitorClient.readExit(container.stateDirectory)
        #expect(record?.exitCode == 3)
        #expect(record?.signal == 0)
        #expect(record?.pid == monitor.pid)

        let entries = try LogEntry.read(container.stateDirectory + "/container.log")
        #expect(entries.count == 2)
        let stdout = entries.first { $0.stream == .standardOutput }
        let stderr = entries.first { $0.stream == .standardError }
        #expect(stdout?.text == "hello\n")
        #expect(stderr?.text == "oops\n")
        #expect(stdout?.time.hasSuffix("Z") == true)
        #expect(try LogEntry.read(container.stateDirectory + "/container.log", tail: 1).count
                == 1)

        // With the container gone and no client attached, the monitor leaves.
        #expect(eventually { !processExists(status.monitorPid) })
        #expect(!MonitorClient.isAlive(container.stateDirectory))
    }

    /// The runtime's message comes through whether it logs text or JSON lines
    /// (`--log-format json`, passed as a global runtime argument).
    @Test(arguments: [[], ["--log-format", "json"]])
    func launchFailureCarriesTheRuntimeError(runtimeArguments: [String]) throws {
        let container = try TestContainer("broken", arguments: ["true"])
        defer { container.remove() }
        unlink(container.bundle + "/config.json")

        var spec = container.spec()
        spec.runtimeArguments = runtimeArguments
        do {
            _ = try MonitorClient.launch(spec)
            Issue.record("launch of a bundle without config.json succeeded")
        } catch {
            guard case .createFailed(let id, let message) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(id == container.id)
            #expect(message.contains("config.json"), "runtime message: \(message)")
            #expect(!message.contains("level="), "runtime message: \(message)")
            #expect(!message.hasPrefix("{"), "runtime message: \(message)")
        }
        #expect(!MonitorClient.isAlive(container.stateDirectory))
        #expect(!FileSystem.exists(container.stateDirectory + "/" + MonitorFiles.monitorPid))
    }

    @Test func attachedClientGetsFramedOutputAndFeedsStdin() throws {
        let container = try TestContainer(
            "stdin", arguments: ["sh", "-c", "read line; echo \"got $line\"; echo done >&2"])
        defer { container.remove() }

        let monitor = try MonitorClient.launch(container.spec(stdin: true))
        let stream = try monitor.attach(stdin: true)
        defer { stream.close() }
        try monitor.start()
        try stream.writeAll("abc\n")

        let output = try readFrames(stream)
        #expect(output.stdout == "got abc\n")
        #expect(output.stderr == "done\n")
        #expect(try MonitorClient.readExit(container.stateDirectory)?.exitCode == 0)
    }

    @Test func execRunsASecondProcessAndRecordsItsExit() throws {
        let container = try TestContainer(
            "exec",
            arguments: ["sh", "-c",
                        "trap 'exit 9' TERM; echo armed; while true; do sleep 0.1; done"])
        defer { container.remove() }

        let monitor = try MonitorClient.launch(container.spec())
        try monitor.start()
        let process = try container.processFile(
            "second", arguments: ["sh", "-c", "echo from-exec; echo warn >&2; exit 4"])
        let (pid, stream) = try monitor.execAttached(ExecSpec(id: "second", processPath: process))
        defer { stream.close() }
        #expect(pid > 0 && pid != monitor.pid)

        let output = try readFrames(stream)
        #expect(output.stdout == "from-exec\n")
        #expect(output.stderr == "warn\n")
        let record = try MonitorClient.readExecExit(container.stateDirectory, exec: "second")
        #expect(record?.exitCode == 4)
        #expect(record?.pid == pid)

        // The exec'd output is not the container's: the log has only the init's.
        let log = try FileSystem.readText(container.stateDirectory + "/container.log")
        #expect(!log.contains("from-exec"))

        #expect(try monitor.wait(exec: "second").exitCode == 4)

        // A signal reaches a namespace's init only once it has a handler for it.
        #expect(container.logShows("armed"))
        try monitor.kill(signal: SIGTERM)
        let waited = try monitor.wait()
        #expect(waited.exitCode == 9)
        #expect(try MonitorClient.readExit(container.stateDirectory) == waited)
    }

    @Test func requestsOnAStoppedOrUnknownProcessAreRefused() throws {
        let container = try TestContainer("refuse", arguments: ["sleep", "30"])
        defer { container.remove() }

        let monitor = try MonitorClient.launch(container.spec())
        do {
            try monitor.resize(rows: 10, cols: 10)
            Issue.record("resize without a terminal succeeded")
        } catch {
            #expect("\(error)".contains("has no terminal"))
        }
        do {
            _ = try monitor.attach(stdin: false, exec: "nothere")
            Issue.record("attach to an unknown exec succeeded")
        } catch {
            #expect("\(error)".contains("no exec \"nothere\""))
        }
        try monitor.kill(signal: SIGKILL)
        #expect(try eventually { try MonitorClient.readExit(container.stateDirectory) != nil })
        #expect(try MonitorClient.readExit(container.stateDirectory)?.signal == SIGKILL)
    }
}

@Suite struct RemovalTests {
    @Test func removeOnExitDeletesTheContainerFromTheRuntime() throws {
        let container = try TestContainer("remove", arguments: ["true"])
        defer { container.remove() }

        var spec = container.spec()
        spec.removeOnExit = true
        let monitor = try MonitorClient.launch(spec)
        let monitorPid = try monitor.status().monitorPid
        try monitor.start()

        #expect(eventually { !processExists(monitorPid) })
        #expect(try MonitorClient.readExit(container.stateDirectory)?.exitCode == 0)
        let state = try TestContainer.run([TestContainer.runtime, "--root", container.runtimeRoot,
                                           "state", container.id])
        #expect(state != 0, "the runtime still knows container \(container.id)")
    }

    /// The wait for a monitor to leave ends with its exit, and not before: a running
    /// container's monitor outlasts the time given.
    @Test func waitUntilGoneEndsWithTheMonitor() throws {
        let container = try TestContainer("gone", arguments: ["sleep", "30"])
        defer { container.remove() }

        let monitor = try MonitorClient.launch(container.spec())
        let monitorPid = try monitor.status().monitorPid
        try monitor.start()
        #expect(!MonitorClient.waitUntilGone(container.stateDirectory, timeoutMilliseconds: 200))
        #expect(processExists(monitorPid))

        try monitor.kill(signal: SIGKILL)
        #expect(MonitorClient.waitUntilGone(container.stateDirectory, timeoutMilliseconds: 10_000))
        #expect(!MonitorClient.isAlive(container.stateDirectory))
        #expect(MonitorClient.waitUntilGone(container.stateDirectory, timeoutMilliseconds: 0))
    }

    @Test func aSilentClientDoesNotKeepTheMonitorAlive() throws {
        let container = try TestContainer("silent", arguments: ["sleep", "30"])
        defer { container.remove() }

        let monitor = try MonitorClient.launch(container.spec())
        let monitorPid = try monitor.status().monitorPid
        let silent = try UnixSocket.connect(container.stateDirectory + "/" + MonitorFiles.socket)
        defer { silent.close() }
        try monitor.kill(signal: SIGKILL)

        #expect(eventually(within: 15) { !processExists(monitorPid) })
        #expect(try MonitorClient.readExit(container.stateDirectory)?.signal == SIGKILL)
    }
}

@Suite struct VolumeTests {
    /// Far more output than a pipe holds, and a line longer than a log entry: the log and
    /// an attached client both get every byte, in order.
    @Test func heavyOutputReachesTheLogAndTheClientWhole() throws {
        let script = "seq 1 20000; printf '%040000d\\n' 7; "
            + "printf '%020000d' 1; sleep 0.1; printf '%020000d\\n' 2"
        let container = try TestContainer("volume", arguments: ["sh", "-c", script])
        defer { container.remove() }

        let monitor = try MonitorClient.launch(container.spec())
        let stream = try monitor.attach(stdin: false)
        defer { stream.close() }
        try monitor.start()

        var expected = (1...20000).map { "\($0)\n" }.joined()
        expected += String(repeating: "0", count: 39999) + "7\n"
        expected += String(repeating: "0", count: 19999) + "1"
        expected += String(repeating: "0", count: 19999) + "2\n"
        let output = try readFrames(stream, within: 20)
        #expect(output.stdout.count == expected.count)
        #expect(output.stdout == expected)

        let entries = try LogEntry.read(container.stateDirectory + "/container.log")
        #expect(entries.map(\.text).joined() == expected)
        #expect(entries.allSatisfy { $0.text.utf8.count <= 16384 })
        // Each long line is cut every 16 KiB from its start, however the reads fell.
        #expect(entries.count == 20000 + 3 + 3)
        #expect(try monitor.wait().exitCode == 0)
    }
}

@Suite struct StdinTests {
    /// A client that closes its connection detaches and leaves stdin open; a client that
    /// shuts down its sending side ends stdin, and `cat` ends with it.
    @Test func detachKeepsStdinOpenAndHalfCloseEndsIt() throws {
        let container = try TestContainer("cat", arguments: ["cat"])
        defer { container.remove() }

        let monitor = try MonitorClient.launch(container.spec(stdin: true))
        try monitor.start()
        let first = try monitor.attach(stdin: true)
        try first.writeAll("one\n")
        #expect(container.logShows("one"))
        first.close()
        usleep(100_000)
        #expect(try monitor.status().state == .running)

        let second = try monitor.attach(stdin: true)
        defer { second.close() }
        try second.writeAll("two\n")
        shutdown(second.rawValue, Int32(SHUT_WR))
        let output = try readFrames(second)
        #expect(output.stdout == "two\n")
        #expect(try monitor.wait().exitCode == 0)
    }
}
