import FoundationEssentials
import Glibc
import SystemKit
import Testing
import Varlink

/// io.contaird.Tasks over the real socket: start, exec, signals, pause, logs, events,
/// terminals, --rm and --init.
@Suite(.privateDaemon) struct TaskTests {
    var daemon: TestDaemon { TestDaemon.current! }
    var client: DaemonClient { daemon.client }

    /// Creates and starts (detached) a container running `arguments`.
    static func startDetached(_ client: DaemonClient, image: String, _ id: String,
                              _ spec: JSONObject) throws
    {
        try client.create(id, image: image, spec)
        try client.call("io.contaird.Tasks.Start", ["id": .string(id)])
    }

    @Test func execWithAndWithoutUpgrade() async throws {
        let client = client
        let image = daemon.image
        try await blocking {
            let id = uniqueID("exec")
            try Self.startDetached(client, image: image, id, .args("sleep", "1000"))
            defer { try? client.delete(id) }

            let (_, stream) = try client.upgrade("io.contaird.Tasks.Exec", [
                "id": .string(id), "execId": "attached",
                "args": .strings(["sh", "-c", "echo out; echo err >&2; exit 3"]),
            ])
            let (stdout, stderr) = try DaemonClient.readFrames(stream)
            #expect(stdout == "out\n")
            #expect(stderr == "err\n")
            #expect(try client.wait(id, execID: "attached") == 3)

            try client.call("io.contaird.Tasks.Exec", [
                "id": .string(id), "execId": "detached",
                "args": .strings(["sh", "-c", "echo detached > /tmp/mark; exit 4"]),
            ])
            #expect(try client.wait(id, execID: "detached") == 4)
            let (_, check) = try client.upgrade("io.contaird.Tasks.Exec", [
                "id": .string(id), "execId": "check", "args": .strings(["cat", "/tmp/mark"]),
            ])
            #expect(try DaemonClient.readFrames(check).stdout == "detached\n")

            let again = try client.callError("io.contaird.Tasks.Exec", [
                "id": .string(id), "execId": "check", "args": .strings(["true"]),
            ])
            #expect(again?.name == "io.contaird.Tasks.ExecExists")
            #expect(try client.taskStatus(id) == "running")
        }
    }

    @Test func killDeliversTheSignalAndWaitReportsTheStatus() async throws {
        let client = client
        let image = daemon.image
        try await blocking {
            let trapping = uniqueID("trap")
            try Self.startDetached(client, image: image, trapping, .args(
                "sh", "-c", "trap 'exit 5' USR1; echo ready; while true; do sleep 0.1; done"))
            defer { try? client.delete(trapping) }
            let killed = uniqueID("killed")
            try Self.startDetached(client, image: image, killed, .args("sleep", "1000"))
            defer { try? client.delete(killed) }

            // The trap is in place once the shell has printed "ready".
            #expect(TestProcess.eventually {
                Self.logText(client, trapping).contains("ready")
            })
            try client.call("io.contaird.Tasks.Kill", ["id": .string(trapping), "signal": "USR1"])
            #expect(try client.wait(trapping) == 5)

            try client.call("io.contaird.Tasks.Kill", ["id": .string(killed), "signal": "9"])
            #expect(try client.wait(killed) == 137)
            #expect(try client.taskStatus(killed) == "stopped")

            let unknown = try client.callError("io.contaird.Tasks.Kill",
                                               ["id": .string(killed), "signal": "SIGNOPE"])
            #expect(unknown?.name == "io.contaird.Tasks.UnknownSignal")
        }
    }

    @Test func stopEscalatesToSigkillAfterTheTimeout() async throws {
        let client = client
        let image = daemon.image
        try await blocking {
            let id = uniqueID("stop")
            // PID 1 without a handler ignores SIGTERM: only SIGKILL ends it.
            try Self.startDetached(client, image: image, id, .args("sleep", "1000"))
            defer { try? client.delete(id) }
            let started = TestProcess.monotonicSeconds()
            let reply = try client.call("io.contaird.Tasks.Stop",
                                        ["id": .string(id), "timeoutSeconds": 1])
            let elapsed = TestProcess.monotonicSeconds() - started
            #expect(reply["exitStatus"]?.intValue == 137)
            #expect(elapsed >= 0.9 && elapsed < 6, "stop took \(elapsed) s")

            let polite = uniqueID("stopterm")
            try Self.startDetached(client, image: image, polite, .args(
                "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"))
            defer { try? client.delete(polite) }
            usleep(300_000)
            let stopped = try client.call("io.contaird.Tasks.Stop",
                                          ["id": .string(polite), "timeoutSeconds": 10])
            #expect(stopped["exitStatus"]?.intValue == 0)
        }
    }

    @Test func pauseAndResumeShowInTheStatus() async throws {
        let client = client
        let image = daemon.image
        try await blocking {
            let id = uniqueID("pause")
            try Self.startDetached(client, image: image, id, .args("sleep", "1000"))
            defer { try? client.delete(id) }
            try client.call("io.contaird.Tasks.Pause", ["id": .string(id)])
            #expect(try client.taskStatus(id) == "paused")
            let listed = try client.call("io.contaird.Containers.Get", ["id": .string(id)])
            #expect(listed["container"]?["status"]?.stringValue == "paused")
            let twice = try client.callError("io.contaird.Tasks.Pause", ["id": .string(id)])
            #expect(twice?.name == "io.contaird.Tasks.InvalidState")
            try client.call("io.contaird.Tasks.Resume", ["id": .string(id)])
            #expect(try client.taskStatus(id) == "running")
            // A paused container can still be deleted by force.
            try client.call("io.contaird.Tasks.Pause", ["id": .string(id)])
            try client.delete(id)
            let gone = try client.callError("io.contaird.Containers.Get", ["id": .string(id)])
            #expect(gone?.name == "io.contaird.Containers.ContainerNotFound")
        }
    }

    /// The decoded text of a container's whole log.
    static func logText(_ client: DaemonClient, _ id: String, tail: Int? = nil) -> String {
        var parameters: JSONObject = ["id": .string(id)]
        if let tail { parameters["tail"] = .int(Int64(tail)) }
        guard let reply = try? client.call("io.contaird.Tasks.Logs", parameters) else {
            return ""
        }
        return decode(reply["entries"]?.arrayValue ?? [])
    }

    static func decode(_ entries: [JSONValue]) -> String {
        entries.compactMap { entry in
            entry["data"]?.stringValue.flatMap { Data(base64Encoded: $0) }
                .map { String(decoding: $0, as: UTF8.self) }
        }.joined()
    }

    @Test func logsTailAndFollow() async throws {
        let client = client
        let image = daemon.image
        try await blocking {
            let id = uniqueID("logs")
            try Self.startDetached(client, image: image, id, .args(
                "sh", "-c", "for i in 1 2 3 4 5; do echo line$i; done; echo oops >&2"))
            defer { try? client.delete(id) }
            #expect(try client.wait(id) == 0)
            #expect(Self.logText(client, id) == "line1\nline2\nline3\nline4\nline5\noops\n")
            #expect(Self.logText(client, id, tail: 2) == "line5\noops\n")

            let followed = uniqueID("follow")
            try Self.startDetached(client, image: image, followed, .args(
                "sh", "-c", "echo first; sleep 1; echo second"))
            defer { try? client.delete(followed) }
            let connection = try client.connect()
            defer { connection.close() }
            var stream = try connection.callMore("io.contaird.Tasks.Logs",
                                                 ["id": .string(followed), "follow": true])
            var text = ""
            var replies = 0
            while let reply = try stream.next() {
                replies += 1
                text += Self.decode(reply["entries"]?.arrayValue ?? [])
            }
            #expect(text == "first\nsecond\n")
            #expect(replies >= 2, "the follow came in more than one reply")
        }
    }

    @Test func eventsStreamSeesALifecycle() async throws {
        let client = client
        let daemon = daemon
        try await blocking {
            let events = try RawVarlinkSocket(socketPath: daemon.socketPath)
            events.send(["method": "io.contaird.System.Events", "more": true])
            let first = try #require(events.receive())
            #expect(first["continues"]?.boolValue == true)
            #expect(first["parameters"]?["event"] == nil)

            let id = uniqueID("events")
            _ = try client.run(id, image: daemon.image, .args("true"))
            var seen: [String] = []
            while !seen.contains("container:delete"),
                  let message = events.receive(within: 10) {
                guard let event = message["parameters"]?["event"],
                      event["subject"]?.stringValue == id,
                      let kind = event["kind"]?.stringValue,
                      let action = event["action"]?.stringValue
                else { continue }
                seen.append(kind + ":" + action)
            }
            for expected in ["container:create", "task:start", "task:exit", "container:delete"] {
                #expect(seen.contains(expected), "\(expected) missing from \(seen)")
            }
            let order = ["container:create", "task:start", "task:exit", "container:delete"]
                .compactMap { seen.firstIndex(of: $0) }
            #expect(order == order.sorted())
        }
    }

    @Test func terminalSizeIsSetBeforeTheProcessStarts() async throws {
        let client = client
        let image = daemon.image
        try await blocking {
            let id = uniqueID("tty")
            var spec = JSONObject.args("stty", "size")
            spec["tty"] = true
            spec["terminalSize"] = ["rows": 37, "columns": 101]
            try client.create(id, image: image, spec)
            defer { try? client.delete(id) }
            let (_, stream) = try client.startAttached(id, stdin: true)
            let text = String(decoding: try stream.readToEnd(), as: UTF8.self)
            #expect(text.contains("37 101"), "stty size printed \(text.debugDescription)")
            #expect(try client.wait(id) == 0)
        }
    }

    @Test func interactiveTerminalCarriesInputAndResize() async throws {
        let client = client
        let image = daemon.image
        try await blocking {
            let id = uniqueID("shell")
            var spec = JSONObject.args("sh")
            spec["tty"] = true
            spec["terminalSize"] = ["rows": 24, "columns": 80]
            try client.create(id, image: image, spec)
            defer { try? client.delete(id) }
            let (_, stream) = try client.startAttached(id, stdin: true)
            try stream.write("hostname; stty size\n")
            let first = DaemonClient.read(stream, until: "24 80")
            #expect(first.contains(id) && first.contains("24 80"), "\(first.debugDescription)")
            try client.call("io.contaird.Tasks.Resize",
                            ["id": .string(id), "size": ["rows": 50, "columns": 132]])
            try stream.write("stty size; exit 3\n")
            let second = DaemonClient.read(stream, until: "50 132")
            #expect(second.contains("50 132"), "\(second.debugDescription)")
            #expect(try client.wait(id) == 3)
        }
    }

    @Test func autoRemoveHappensEvenWhenTheClientLeavesRightAfterStart() async throws {
        let client = client
        let daemon = daemon
        try await blocking {
            let id = uniqueID("rm")
            var spec = JSONObject.args("sleep", "0.5")
            spec["autoRemove"] = true
            try client.create(id, image: daemon.image, spec)
            let (_, stream) = try client.startAttached(id)
            stream.close()
            let removed = TestProcess.eventually(within: 15) {
                (try? client.callError("io.contaird.Containers.Get", ["id": .string(id)]))?
                    .name == "io.contaird.Containers.ContainerNotFound"
            }
            #expect(removed, "the container is still there")
            try expectNothingLeft(of: id, in: daemon)
            // A Wait that comes after the removal still learns how it ended.
            #expect(try client.wait(id) == 0)
            try client.create(id, image: daemon.image, .args("true"))
            let fresh = try client.callError("io.contaird.Tasks.Wait", ["id": .string(id)])
            #expect(fresh?.name == "io.contaird.Tasks.TaskNotFound",
                    "a new container of the id has no old exit")
            try client.delete(id)
        }
    }

    @Test func onlyTheRootOfAnAutoRemoveContainerIsVolatile() async throws {
        let client = client
        let image = daemon.image
        let rootLine = JSONObject.args("sh", "-c", "grep ' / / ' /proc/self/mountinfo")
        var removed = rootLine
        removed["autoRemove"] = true
        let (ephemeral, kept) = try await blocking {
            (try client.run(uniqueID("volrm"), image: image, removed),
             try client.run(uniqueID("volkeep"), image: image, rootLine))
        }
        // Older kernels print the option as "volatile", newer ones as "fsync=volatile".
        #expect(ephemeral.stdout.contains(" - overlay ") && ephemeral.stdout.contains("volatile"),
                "\(ephemeral)")
        #expect(kept.stdout.contains(" - overlay ") && !kept.stdout.contains("volatile"),
                "\(kept)")
    }

    @Test func initIsPidOneAndReapsOrphans() async throws {
        let client = client
        let image = daemon.image
        var spec = JSONObject.args("sh", "-c", """
            tr '\\0' ' ' < /proc/1/cmdline; echo; (sleep 0.2 &); sleep 1; \
            grep -h '^State' /proc/[0-9]*/status
            """)
        spec["init"] = true
        let request = spec
        let outcome = try await blocking {
            try client.run(uniqueID("init"), image: image, request)
        }
        #expect(outcome.exitStatus == 0, "\(outcome)")
        let lines = outcome.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("/sbin/contaird-init") == true, "\(outcome.stdout)")
        #expect(!outcome.stdout.contains("zombie"), "\(outcome.stdout)")
        #expect(lines.count >= 3, "\(outcome.stdout)")
    }

    @Test func startFailureOfAMissingCommandIs127() async throws {
        let client = client
        let image = daemon.image
        try await blocking {
            let id = uniqueID("missing")
            try client.create(id, image: image, .args("/no/such/program"))
            defer { try? client.delete(id) }
            let error = try client.callError("io.contaird.Tasks.Start", ["id": .string(id)])
            #expect(error?.name == "io.contaird.Tasks.StartFailed")
            #expect(error?.parameters["exitStatus"]?.intValue == 127,
                    "\(String(describing: error))")
        }
    }
}
