import Glibc
import SystemKit
import Testing
import Varlink

/// The daemon dies and comes back: nothing is lost. Each test has a daemon of its own,
/// since it kills it.
@Suite struct RestartTests {
    @Test func killNineWithTenRunningLosesNothing() async throws {
        try await TestDaemon.with { daemon in
            try await blocking {
                let client = daemon.client
                let sleepers = (0..<6).map { _ in uniqueID("sleeper") }
                let echoers = (0..<2).map { _ in uniqueID("echoer") }
                let quitters = (0..<2).map { _ in uniqueID("quitter") }
                for id in sleepers {
                    try TaskTests.startDetached(client, image: daemon.image, id,
                                                .args("sleep", "1000"))
                }
                for id in echoers {
                    var spec = JSONObject.args("cat")
                    spec["stdin"] = true
                    try TaskTests.startDetached(client, image: daemon.image, id, spec)
                }
                for id in quitters {
                    try TaskTests.startDetached(client, image: daemon.image, id,
                                                .args("sh", "-c", "sleep 2; exit 7"))
                }

                daemon.stop(signal: SIGKILL)
                // The quitters exit while no daemon runs.
                sleep(3)
                try daemon.start()

                let listed = try client.call("io.contaird.Containers.List")
                let ids = Set((listed["containers"]?.arrayValue ?? [])
                    .compactMap { $0["id"]?.stringValue })
                #expect(ids == Set(sleepers + echoers + quitters))
                for id in quitters {
                    let task = try client.call("io.contaird.Tasks.Get", ["id": .string(id)])
                    #expect(task["task"]?["status"]?.stringValue == "stopped")
                    #expect(task["task"]?["exitStatus"]?.intValue == 7)
                    #expect(try client.wait(id) == 7)
                }
                for id in sleepers {
                    #expect(try client.taskStatus(id) == "running")
                    let (reply, stream) = try client.upgrade(
                        "io.contaird.Tasks.Attach", ["id": .string(id)])
                    #expect(reply["tty"]?.boolValue == false)
                    stream.close()
                }
                for id in echoers {
                    let (_, stream) = try client.upgrade(
                        "io.contaird.Tasks.Attach", ["id": .string(id), "stdin": true])
                    try stream.write("hello \(id)\n")
                    let echoed = DaemonClient.read(stream, until: "hello \(id)")
                    #expect(echoed.contains("hello \(id)"), "\(echoed.debugDescription)")
                    stream.close()
                }
                // A running task still ends and is seen by the new daemon.
                try client.call("io.contaird.Tasks.Kill",
                                ["id": .string(sleepers[0]), "signal": "KILL"])
                #expect(try client.wait(sleepers[0]) == 137)
            }
        }
    }

    @Test func restartKeepsCreatedPausedAndTerminalTasksAndCarriesOutRemovals()
        async throws
    {
        try await TestDaemon.with { daemon in
            try await blocking {
                let client = daemon.client
                let created = uniqueID("created")
                try client.create(created, image: daemon.image, .args("true"))
                let paused = uniqueID("paused")
                try TaskTests.startDetached(client, image: daemon.image, paused,
                                            .args("sleep", "1000"))
                try client.call("io.contaird.Tasks.Pause", ["id": .string(paused)])
                let removed = uniqueID("removed")
                var spec = JSONObject.args("sleep", "1")
                spec["autoRemove"] = true
                try TaskTests.startDetached(client, image: daemon.image, removed, spec)
                let terminal = uniqueID("terminal")
                var shell = JSONObject.args("sh")
                shell["tty"] = true
                try TaskTests.startDetached(client, image: daemon.image, terminal, shell)

                daemon.stop(signal: SIGKILL)
                sleep(2)
                try daemon.start()

                let container = try client.call("io.contaird.Containers.Get",
                                                ["id": .string(created)])
                #expect(container["container"]?["status"]?.stringValue == "none")
                #expect(try client.taskStatus(paused) == "paused")
                try client.call("io.contaird.Tasks.Resume", ["id": .string(paused)])
                #expect(try client.taskStatus(paused) == "running")
                #expect(TestProcess.eventually(within: 10) {
                    (try? client.callError("io.contaird.Containers.Get",
                                           ["id": .string(removed)]))?.name
                        == "io.contaird.Containers.ContainerNotFound"
                }, "the --rm container that exited during the outage is still there")

                let (reply, stream) = try client.upgrade(
                    "io.contaird.Tasks.Attach", ["id": .string(terminal), "stdin": true])
                #expect(reply["tty"]?.boolValue == true)
                try stream.write("echo attached-$((6*7))\n")
                let echoed = DaemonClient.read(stream, until: "attached-42")
                #expect(echoed.contains("attached-42"), "\(echoed.debugDescription)")
                try stream.write("exit 9\n")
                #expect(try client.wait(terminal) == 9)
            }
        }
    }

    @Test func nativeSnapshotterByItsDocumentedName() async throws {
        try await TestDaemon.with(arguments: ["--snapshotter", "native"]) { daemon in
            try await blocking {
                let client = daemon.client
                let info = try client.call("io.contaird.System.Info")
                #expect(info.value(at: "info", "storageDriver")?.stringValue == "native")
                let outcome = try client.run(uniqueID("native"), image: daemon.image,
                                             .args("sh", "-c", "echo copied > /x; cat /x"))
                #expect(outcome.stdout == "copied\n")
            }
        }
    }

    @Test func aSecondDaemonOnTheSameRootIsRefused() async throws {
        try await TestDaemon.with(importImage: false) { daemon in
            try await blocking {
                let socket = daemon.base + "/second.sock"
                let command = [TestDaemon.binary, "--socket", socket, "--root", daemon.root,
                               "--state", daemon.base + "/state2", "--group", "",
                               "--runtime", TestDaemon.runtime]
                let second = try TestProcess.run(command, timeout: 20)
                #expect(second.status != 0)
                #expect(second.output.contains("another contaird is using \(daemon.root)"),
                        "\(second.output)")
                #expect(!FileSystem.exists(socket))
                // The first one is untouched.
                #expect(try daemon.client.call("io.contaird.System.Version")["version"] != nil)
            }
        }
    }

    @Test func sigtermLeavesContainersRunning() async throws {
        try await TestDaemon.with { daemon in
            try await blocking {
                let client = daemon.client
                let id = uniqueID("survivor")
                try TaskTests.startDetached(client, image: daemon.image, id,
                                            .args("sleep", "1000"))
                let pid = try client.call("io.contaird.Tasks.Get", ["id": .string(id)])
                    .value(at: "task", "pid")?.intValue ?? 0
                daemon.stop(signal: SIGTERM)
                #expect(pid > 0 && kill(pid_t(pid), 0) == 0, "the container died with the daemon")
                try daemon.start()
                #expect(try client.taskStatus(id) == "running")
            }
        }
    }
}

/// Fifty containers through their whole life, a few at a time.
@Suite(.privateDaemon) struct LifecycleLoopTests {
    @Test func fiftyContainersCreateStartExecPauseResumeKillWaitDelete() async throws {
        let daemon = TestDaemon.current!
        let client = daemon.client
        let started = TestProcess.monotonicSeconds()
        let workers = 5
        let failures = try await withThrowingTaskGroup(of: [String].self) { group in
            for worker in 0..<workers {
                group.addTask {
                    try await blocking {
                        var failures: [String] = []
                        for round in 0..<(50 / workers) {
                            let id = "loop-\(worker)-\(round)-\(UInt16.random(in: 0...UInt16.max))"
                            do {
                                try Self.lifecycle(client, image: daemon.image, id)
                            } catch {
                                failures.append("\(id): \(error)")
                                try? client.delete(id)
                            }
                        }
                        return failures
                    }
                }
            }
            return try await group.reduce([], +)
        }
        let elapsed = TestProcess.monotonicSeconds() - started
        #expect(failures.isEmpty, "\(failures)")
        try? FileDescriptor.standardError.writeAll(
            "note: 50 container lifecycles, \(workers) at a time: \(elapsed) s\n")
        let left = try await blocking { try client.call("io.contaird.Containers.List") }
        #expect(left["containers"]?.arrayValue?.filter {
            $0["id"]?.stringValue?.hasPrefix("loop-") == true
        }.isEmpty == true)
    }

    static func lifecycle(_ client: DaemonClient, image: String, _ id: String) throws {
        try client.create(id, image: image, .args("sleep", "1000"))
        try client.call("io.contaird.Tasks.Start", ["id": .string(id)])
        let (_, stream) = try client.upgrade("io.contaird.Tasks.Exec", [
            "id": .string(id), "execId": "hello", "args": .strings(["echo", id]),
        ])
        let output = try DaemonClient.readFrames(stream).stdout
        guard output == id + "\n" else { throw LoopFailure("exec printed \(output)") }
        try client.call("io.contaird.Tasks.Pause", ["id": .string(id)])
        guard try client.taskStatus(id) == "paused" else { throw LoopFailure("not paused") }
        try client.call("io.contaird.Tasks.Resume", ["id": .string(id)])
        guard try client.taskStatus(id) == "running" else { throw LoopFailure("not resumed") }
        try client.call("io.contaird.Tasks.Kill", ["id": .string(id), "signal": "SIGKILL"])
        let status = try client.wait(id)
        guard status == 137 else { throw LoopFailure("exit status \(status)") }
        try client.call("io.contaird.Containers.Delete", ["id": .string(id)])
    }

    struct LoopFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}

extension JSONObject {
    /// The value at a path of object keys.
    func value(at keys: String...) -> JSONValue? {
        var current: JSONValue = .object(self)
        for key in keys {
            guard let next = current[key] else { return nil }
            current = next
        }
        return current
    }
}

/// Who may use the socket, and a host reboot that clears the state directory.
@Suite struct HostTests {
    @Test func aPeerOutsideRootAndTheGroupIsRefused() async throws {
        try await TestDaemon.with(importImage: false) { daemon in
            try await blocking {
                var info = stat()
                #expect(stat(daemon.socketPath, &info) == 0)
                #expect(info.st_mode & 0o777 == 0o660)
                // Even through a socket anyone may open, the daemon checks its peer.
                chmod(daemon.socketPath, 0o666)
                let script = daemon.base + "/peer.py"
                try FileSystem.writeAtomically(script, text: """
                    import socket, sys
                    s = socket.socket(socket.AF_UNIX)
                    s.connect(sys.argv[1])
                    s.sendall(b'{"method":"io.contaird.System.Version"}\\0')
                    print(s.recv(4096).rstrip(b"\\0").decode())
                    """)
                chmod(daemon.base, 0o755)
                let result = try TestProcess.run([
                    "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    "/usr/bin/python3", script, daemon.socketPath,
                ])
                #expect(result.output.contains("org.varlink.service.PermissionDenied"),
                        "\(result.output)")
                #expect(try daemon.client.call("io.contaird.System.Version")["version"] != nil)
            }
        }
    }

    @Test func readinessIsToldToTheNotifySocket() async throws {
        let daemon = try TestDaemon()
        defer { daemon.shutdown() }
        try FileSystem.createDirectory(daemon.base)
        let path = daemon.base + "/notify.sock"
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        try #require(bound == 0)
        try await blocking { try daemon.start(environment: ["NOTIFY_SOCKET=" + path]) }
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        try #require(poll(&entry, 1, 10_000) == 1, "nothing came to NOTIFY_SOCKET")
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = recv(fd, &buffer, buffer.count, 0)
        let message = String(decoding: buffer.prefix(max(0, count)), as: UTF8.self)
        #expect(message.contains("READY=1"), "\(message)")
    }

    @Test func aRebootClearingTheStateDirectoryKeepsTheContainers() async throws {
        try await TestDaemon.with { daemon in
            try await blocking {
                let client = daemon.client
                let id = uniqueID("reboot")
                try TaskTests.startDetached(client, image: daemon.image, id,
                                            .args("sleep", "1000"))
                // What a reboot does: the daemon, the containers, their monitors and
                // every mount are gone, and /run is empty.
                daemon.stop(signal: SIGKILL)
                daemon.killProcesses(mentioning: daemon.base)
                daemon.removeCgroups(daemon.cgroupParent)
                daemon.unmountEverything(under: daemon.base)
                try FileSystem.removeTree(daemon.state)
                try daemon.start()

                let container = try client.call("io.contaird.Containers.Get",
                                                ["id": .string(id)])
                let status = container.value(at: "container", "status")?.stringValue
                #expect(status == "none" || status == "stopped", "\(String(describing: status))")
                let (_, stream) = try client.startAttached(id)
                stream.close()
                #expect(try client.taskStatus(id) == "running")
                try client.call("io.contaird.Tasks.Kill", ["id": .string(id), "signal": "KILL"])
                #expect(try client.wait(id) == 137)
            }
        }
    }
}
