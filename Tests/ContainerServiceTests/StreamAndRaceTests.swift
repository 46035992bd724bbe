import FoundationEssentials
import Glibc
import Synchronization
import SystemKit
import Testing
import Varlink

/// Standard input through an upgraded Start, racing clients on one id, labels, and
/// what System tells about the daemon.
@Suite(.privateDaemon) struct StreamAndRaceTests {
    var daemon: TestDaemon { TestDaemon.current! }
    var client: DaemonClient { daemon.client }

    @Test func stdinThroughStartAndItsEndOfFile() async throws {
        let client = client
        let image = daemon.image
        try await blocking {
            let id = uniqueID("stdin")
            var spec = JSONObject.args("sh", "-c", "tr a-z A-Z; echo eof-seen; exit 4")
            spec["stdin"] = true
            try client.create(id, image: image, spec)
            defer { try? client.delete(id) }
            let (_, stream) = try client.startAttached(id, stdin: true)
            try stream.write("hello from stdin\n")
            stream.shutdownWrite()
            let (stdout, _) = try DaemonClient.readFrames(stream)
            #expect(stdout == "HELLO FROM STDIN\neof-seen\n")
            #expect(try client.wait(id) == 4)
        }
    }

    @Test func racingCreatesOfOneIdMakeExactlyOne() async throws {
        let client = client
        let image = daemon.image
        let daemon = daemon
        let id = uniqueID("race")
        let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await blocking {
                        do {
                            try client.create(id, image: image, .args("true"))
                            return "created"
                        } catch let error as VarlinkError {
                            return error.name
                        }
                    }
                }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == "created" }.count == 1, "\(outcomes)")
        #expect(outcomes.filter { $0 == "io.contaird.Containers.ContainerExists" }.count == 7)
        try await blocking {
            try client.delete(id)
            try expectNothingLeft(of: id, in: daemon)
        }
    }

    @Test func concurrentWaitsAndStopOfAPausedTask() async throws {
        let client = client
        let image = daemon.image
        let id = uniqueID("waits")
        try await blocking {
            try TaskTests.startDetached(client, image: image, id, .args("sleep", "1000"))
            try client.call("io.contaird.Tasks.Pause", ["id": .string(id)])
        }
        defer { try? client.delete(id) }
        async let stopped = blocking {
            try client.call("io.contaird.Tasks.Stop", ["id": .string(id), "timeoutSeconds": 1])
        }
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 {
                group.addTask { try await blocking { try client.wait(id) } }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(try await stopped["exitStatus"]?.intValue == 137)
        #expect(statuses == [137, 137, 137, 137])
        let again = try await blocking {
            try client.call("io.contaird.Tasks.Stop", ["id": .string(id)])
        }
        #expect(again["exitStatus"]?.intValue == 137, "stopping a stopped task tells its status")
    }

    @Test func labelsUpdateAndFilterTheList() async throws {
        let client = client
        let image = daemon.image
        try await blocking {
            let id = uniqueID("labels")
            let marker = uniqueID("marker")
            try client.create(id, image: image, .args("true"),
                              labels: ["marker": .string(marker), "keep": "yes"])
            defer { try? client.delete(id) }
            let listed = try client.call("io.contaird.Containers.List",
                                         ["labels": ["marker": .string(marker)]])
            #expect(listed["containers"]?.arrayValue?.compactMap { $0["id"]?.stringValue }
                == [id])
            let updated = try client.call("io.contaird.Containers.Update", [
                "id": .string(id), "labels": ["keep": "", "added": "1"],
            ])
            let labels = updated["container"]?["labels"]?.objectValue
            #expect(labels?["keep"] == nil)
            #expect(labels?["added"]?.stringValue == "1")
            #expect(labels?["marker"]?.stringValue == marker)
            let none = try client.call("io.contaird.Containers.List",
                                       ["labels": ["marker": .string(marker), "keep": "yes"]])
            #expect(none["containers"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test func systemInfoAndTheServedInterfaces() async throws {
        let client = client
        let daemon = daemon
        try await blocking {
            let info = try client.call("io.contaird.System.Info")["info"]
            #expect(info?["runtime"]?.stringValue == TestDaemon.runtime)
            #expect(info?["rootDirectory"]?.stringValue == daemon.root)
            #expect(info?["socketPath"]?.stringValue == daemon.socketPath)
            #expect((info?["images"]?.intValue ?? 0) >= 1)
            #expect(info?["storageDriver"]?.stringValue == "overlayfs")
            #expect(info?["runtimeVersion"]?.stringValue?.isEmpty == false)

            let root = TestProcess.packageRoot()
            for name in ["io.contaird.System", "io.contaird.Images", "io.contaird.Containers",
                         "io.contaird.Tasks"] {
                let reply = try client.call("org.varlink.service.GetInterfaceDescription",
                                            ["interface": .string(name)])
                let served = reply["description"]?.stringValue ?? ""
                let file = try FileSystem.readText(root + "/docs/api/\(name).varlink")
                #expect(served.trimmingCharacters() == file.trimmingCharacters(),
                        "\(name) is not served as docs/api has it")
            }
        }
    }

    @Test func logsOfAContainerNeverStartedAreEmpty() async throws {
        let client = client
        let image = daemon.image
        try await blocking {
            let id = uniqueID("nolog")
            try client.create(id, image: image, .args("true"))
            defer { try? client.delete(id) }
            let reply = try client.call("io.contaird.Tasks.Logs", ["id": .string(id)])
            #expect(reply["entries"]?.arrayValue == [])
            let missing = try client.callError("io.contaird.Tasks.Logs", ["id": "never-made"])
            #expect(missing?.name == "io.contaird.Containers.ContainerNotFound")
        }
    }

    @Test func attachToAnExecAndKillEverything() async throws {
        let client = client
        let image = daemon.image
        try await blocking {
            let id = uniqueID("attachexec")
            try TaskTests.startDetached(client, image: image, id, .args("sleep", "1000"))
            defer { try? client.delete(id) }
            try client.call("io.contaird.Tasks.Exec", [
                "id": .string(id), "execId": "late",
                "args": .strings(["sh", "-c",
                                  "while [ ! -e /tmp/go ]; do sleep 0.05; done; echo late"]),
            ])
            let (_, stream) = try client.upgrade("io.contaird.Tasks.Attach",
                                                 ["id": .string(id), "execId": "late"])
            try client.call("io.contaird.Tasks.Exec", [
                "id": .string(id), "execId": "go", "args": .strings(["touch", "/tmp/go"]),
            ])
            #expect(try DaemonClient.readFrames(stream).stdout == "late\n")
            #expect(try client.wait(id, execID: "late") == 0)

            try client.call("io.contaird.Tasks.Exec", [
                "id": .string(id), "execId": "other", "args": .strings(["sleep", "1000"]),
            ])
            try client.call("io.contaird.Tasks.Kill",
                            ["id": .string(id), "signal": "KILL", "all": true])
            #expect(try client.wait(id) == 137)
            #expect(try client.wait(id, execID: "other") == 137)
        }
    }

    @Test func interactiveRunWithRemoveEndsWithNothingLeft() async throws {
        let client = client
        let daemon = daemon
        try await blocking {
            let id = uniqueID("runrm")
            var spec = JSONObject.args("sh")
            spec["tty"] = true
            spec["autoRemove"] = true
            spec["terminalSize"] = ["rows": 30, "columns": 90]
            try client.create(id, image: daemon.image, spec)
            let (_, stream) = try client.startAttached(id, stdin: true)
            try stream.write("echo in-$(hostname); exit 3\n")
            let text = String(decoding: try stream.readToEnd(), as: UTF8.self)
            #expect(text.contains("in-\(id)"), "\(text.debugDescription)")
            // The Wait of the client that started a --rm container attached answers
            // once the container is gone: the id is free the moment the status comes.
            let status = Result { try client.wait(id) }
            #expect((try? status.get()) == 3, "\(status)")
            let lookup = try client.callError("io.contaird.Containers.Get", ["id": .string(id)])
            #expect(lookup?.name == "io.contaird.Containers.ContainerNotFound",
                    "\(String(describing: lookup))")
            try expectNothingLeft(of: id, in: daemon)
        }
    }

    @Test func execOfAMissingProgramIs127() async throws {
        let client = client
        let image = daemon.image
        try await blocking {
            let id = uniqueID("execmissing")
            try TaskTests.startDetached(client, image: image, id, .args("sleep", "1000"))
            defer { try? client.delete(id) }
            let error = try client.callError("io.contaird.Tasks.Exec", [
                "id": .string(id), "execId": "missing", "args": .strings(["/no/such/thing"]),
            ])
            #expect(error?.name == "io.contaird.Tasks.StartFailed")
            #expect(error?.parameters["exitStatus"]?.intValue == 127,
                    "\(String(describing: error))")
            #expect(try client.taskStatus(id) == "running")
        }
    }
}
