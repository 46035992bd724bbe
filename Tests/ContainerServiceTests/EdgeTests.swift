import FoundationEssentials
import Glibc
import SystemKit
import Testing
import Varlink

/// The corners of the API: calls in the wrong state, restarts of a stopped task, exec
/// options, read-only roots, bind mounts, limits, and what is left after a delete.
@Suite(.privateDaemon) struct EdgeTests {
    var daemon: TestDaemon { TestDaemon.current! }
    var client: DaemonClient { daemon.client }

    @Test func callsInTheWrongStateAreRefusedByName() async throws {
        let client = client
        let image = daemon.image
        try await blocking {
            let id = uniqueID("state")
            try client.create(id, image: image, .args("sleep", "1000"))
            defer { try? client.delete(id) }
            let noTask = try client.callError("io.contaird.Tasks.Kill", ["id": .string(id)])
            #expect(noTask?.name == "io.contaird.Tasks.TaskNotFound")
            try client.call("io.contaird.Tasks.Start", ["id": .string(id)])
            let twice = try client.callError("io.contaird.Tasks.Start", ["id": .string(id)])
            #expect(twice?.name == "io.contaird.Tasks.InvalidState")
            #expect(twice?.parameters["status"]?.stringValue == "running")
            let running = try client.callError("io.contaird.Containers.Delete",
                                               ["id": .string(id)])
            #expect(running?.name == "io.contaird.Containers.ContainerRunning")
            let taskRunning = try client.callError("io.contaird.Tasks.Delete",
                                                   ["id": .string(id)])
            #expect(taskRunning?.name == "io.contaird.Tasks.InvalidState")
            try client.call("io.contaird.Tasks.Kill", ["id": .string(id), "signal": "KILL"])
            #expect(try client.wait(id) == 137)
            let stopped = try client.callError("io.contaird.Tasks.Exec", [
                "id": .string(id), "execId": "late", "args": .strings(["true"]),
            ])
            #expect(stopped?.name == "io.contaird.Tasks.InvalidState")
            let missingExec = try client.callError("io.contaird.Tasks.Wait",
                                                   ["id": .string(id), "execId": "never"])
            #expect(missingExec?.name == "io.contaird.Tasks.ExecNotFound")
            let deleted = try client.call("io.contaird.Tasks.Delete", ["id": .string(id)])
            #expect(deleted["exitStatus"]?.intValue == 137)
            let container = try client.call("io.contaird.Containers.Get", ["id": .string(id)])
            #expect(container["container"]?["status"]?.stringValue == "none")
        }
    }

    @Test func aStoppedContainerStartsAgain() async throws {
        let client = client
        let image = daemon.image
        try await blocking {
            let id = uniqueID("again")
            try client.create(id, image: image, .args("sh", "-c", "echo run; exit 2"))
            defer { try? client.delete(id) }
            for _ in 0..<2 {
                let (_, stream) = try client.startAttached(id)
                #expect(try DaemonClient.readFrames(stream).stdout == "run\n")
                #expect(try client.wait(id) == 2)
            }
        }
    }

    @Test func execTakesUserEnvAndCwd() async throws {
        let client = client
        let image = daemon.image
        try await blocking {
            let id = uniqueID("execopts")
            try TaskTests.startDetached(client, image: image, id, .args("sleep", "1000"))
            defer { try? client.delete(id) }
            let (_, stream) = try client.upgrade("io.contaird.Tasks.Exec", [
                "id": .string(id), "execId": "opts",
                "args": .strings(["sh", "-c", "id -u; pwd; echo $GREETING"]),
                "user": "nobody", "cwd": "/tmp", "env": .strings(["GREETING=hello"]),
            ])
            #expect(try DaemonClient.readFrames(stream).stdout == "65534\n/tmp\nhello\n")
            let unknown = try client.callError("io.contaird.Tasks.Exec", [
                "id": .string(id), "execId": "nouser", "args": .strings(["true"]),
                "user": "nosuchuser",
            ])
            #expect(unknown != nil)
            #expect(unknown?.message?.contains("nosuchuser") == true,
                    "\(String(describing: unknown))")
            let (_, tty) = try client.upgrade("io.contaird.Tasks.Exec", [
                "id": .string(id), "execId": "tty", "args": .strings(["stty", "size"]),
                "tty": true, "terminalSize": ["rows": 11, "columns": 42],
            ])
            let text = String(decoding: try tty.readToEnd(), as: UTF8.self)
            #expect(text.contains("11 42"), "\(text.debugDescription)")
        }
    }

    @Test func readonlyRootBindMountsAndLimits() async throws {
        let client = client
        let image = daemon.image
        let daemon = daemon
        try await blocking {
            let shared = try TestProcess.temporaryDirectory("cdt-bind")
            defer { try? FileSystem.removeTree(shared) }
            try FileSystem.writeAtomically(shared + "/from-host", text: "host file\n")
            let id = uniqueID("limits")
            var spec = JSONObject.args("sh", "-c", """
                cat /data/from-host; echo made > /data/from-container; \
                touch /rootfile 2>/dev/null && echo ROOT-WRITABLE; \
                echo checked; sleep 1000
                """)
            spec["readonly"] = true
            spec["mounts"] = [["type": "bind", "source": .string(shared),
                               "destination": "/data", "options": .strings(["rbind", "rw"])]]
            spec["resources"] = ["memoryLimitBytes": 67_108_864, "pidsLimit": 64]
            try TaskTests.startDetached(client, image: image, id, spec)
            defer { try? client.delete(id) }
            #expect(TestProcess.eventually {
                TaskTests.logText(client, id).contains("checked")
            })
            let log = TaskTests.logText(client, id)
            #expect(log.contains("host file"))
            #expect(!log.contains("ROOT-WRITABLE"), "\(log)")
            #expect(try FileSystem.readText(shared + "/from-container") == "made\n")

            let cgroup = daemon.cgroupParent + "/" + id
            let memory = try? FileSystem.readText("/sys/fs/cgroup/memory" + cgroup
                                                  + "/memory.limit_in_bytes")
            #expect(memory?.trimmingCharacters() == "67108864")
            let pids = try? FileSystem.readText("/sys/fs/cgroup/pids" + cgroup + "/pids.max")
            #expect(pids?.trimmingCharacters() == "64")

            let bad = try client.callError("io.contaird.Containers.Create", [
                "id": .string(uniqueID("badmount")),
                "spec": [
                    "image": .string(image), "args": .strings(["true"]),
                    "mounts": [["type": "bind", "source": "/no/such/source",
                                "destination": "/data", "options": .strings(["rbind"])]],
                ],
            ])
            #expect(bad?.name == "io.contaird.Containers.InvalidSpec")
            #expect(bad?.parameters["field"]?.stringValue == "mounts[0].source")
        }
    }

    @Test func deleteLeavesNoMonitorMountOrNamespace() async throws {
        let client = client
        let daemon = daemon
        try await blocking {
            let id = uniqueID("leftovers")
            try TaskTests.startDetached(client, image: daemon.image, id, .args("sleep", "1000"))
            let monitorDirectory = daemon.state + "/containers/" + id
            #expect(Self.processes(mentioning: monitorDirectory) > 0, "no monitor is running")
            try client.delete(id)
            #expect(TestProcess.eventually(within: 5) {
                Self.processes(mentioning: monitorDirectory) == 0
            }, "a monitor outlived its container")
            try expectNothingLeft(of: id, in: daemon)
        }
    }

    @Test func imageInUseCannotBeRemoved() async throws {
        let client = client
        let image = daemon.image
        try await blocking {
            let id = uniqueID("user")
            try client.create(id, image: image, .args("true"))
            defer { try? client.delete(id) }
            let error = try client.callError("io.contaird.Images.Remove", ["name": .string(image)])
            #expect(error?.name == "io.contaird.Images.ImageInUse")
            #expect(error?.parameters["containers"]?.arrayValue?.contains(.string(id)) == true)
        }
    }

    @Test func followingTheLogOfAnExitedContainerEnds() async throws {
        let client = client
        let image = daemon.image
        try await blocking {
            let id = uniqueID("followdone")
            try TaskTests.startDetached(client, image: image, id, .args("echo", "done"))
            defer { try? client.delete(id) }
            #expect(try client.wait(id) == 0)
            let connection = try client.connect()
            defer { connection.close() }
            var stream = try connection.callMore("io.contaird.Tasks.Logs",
                                                 ["id": .string(id), "follow": true])
            var text = ""
            while let reply = try stream.next() {
                text += TaskTests.decode(reply["entries"]?.arrayValue ?? [])
            }
            #expect(text == "done\n")
        }
    }

    @Test func eventsFilteredByKind() async throws {
        let client = client
        let daemon = daemon
        try await blocking {
            let events = try RawVarlinkSocket(socketPath: daemon.socketPath)
            events.send(["method": "io.contaird.System.Events", "more": true,
                         "parameters": ["kinds": .strings(["container"])]])
            _ = try #require(events.receive())
            let id = uniqueID("kinds")
            _ = try client.run(id, image: daemon.image, .args("true"))
            var kinds: Set<String> = []
            var sawDelete = false
            while !sawDelete, let message = events.receive(within: 10) {
                guard let event = message["parameters"]?["event"] else { continue }
                kinds.insert(event["kind"]?.stringValue ?? "?")
                sawDelete = event["subject"]?.stringValue == id
                    && event["action"]?.stringValue == "delete"
            }
            #expect(sawDelete)
            #expect(kinds == ["container"])
        }
    }

    /// How many processes have `text` in their command line.
    static func processes(mentioning text: String) -> Int {
        let entries = (try? FileSystem.listDirectory("/proc")) ?? []
        return entries.filter { entry in
            guard let pid = pid_t(entry), pid != getpid(),
                  let bytes = try? FileSystem.read("/proc/\(pid)/cmdline") else { return false }
            return String(decoding: bytes.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
                .contains(text)
        }.count
    }
}

extension String {
    func trimmingCharacters() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
