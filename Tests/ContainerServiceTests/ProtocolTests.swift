import Glibc
import Synchronization
import SystemKit
import Testing
import Varlink

/// The socket under abuse and under load: broken messages get errors on their own
/// connection while every other client goes on being served.
@Suite(.privateDaemon) struct ProtocolTests {
    var daemon: TestDaemon { TestDaemon.current! }

    @Test func malformedJSONGetsAnErrorAndOthersAreServed() async throws {
        let daemon = daemon
        try await blocking {
            let bystander = try daemon.client.connect()
            defer { bystander.close() }
            _ = try bystander.call("io.contaird.System.Version")

            let broken = try RawVarlinkSocket(socketPath: daemon.socketPath)
            broken.send(Array("{\"method\": \"io.contaird.System.Version\", oops}".utf8) + [0])
            let reply = try #require(broken.receive())
            #expect(reply["error"]?.stringValue == VarlinkServer.malformedMessage)

            let notAnObject = try RawVarlinkSocket(socketPath: daemon.socketPath)
            notAnObject.send(Array("[1, 2, 3]".utf8) + [0])
            #expect(notAnObject.receive()?["error"]?.stringValue
                == VarlinkServer.malformedMessage)

            let version = try bystander.call("io.contaird.System.Version")
            #expect(version["version"]?["apiVersion"]?.stringValue != nil)
        }
    }

    @Test func oversizedMessageGetsAnErrorAndOthersAreServed() async throws {
        let daemon = daemon
        try await blocking {
            let bystander = try daemon.client.connect()
            defer { bystander.close() }
            let huge = try RawVarlinkSocket(socketPath: daemon.socketPath)
            let filler = [UInt8](repeating: UInt8(ascii: "a"), count: 1 << 20)
            huge.send(Array("{\"method\": \"io.contaird.System.Version\", \"x\": \"".utf8))
            for _ in 0..<(VarlinkConnection.defaultMaximumMessageSize >> 20) + 2 {
                huge.send(filler)
            }
            let reply = try #require(huge.receive())
            #expect(reply["error"]?.stringValue == VarlinkServer.messageTooLarge)
            _ = try bystander.call("io.contaird.System.Info")
            #expect(try daemon.client.call("io.contaird.System.Version")["version"] != nil)
        }
    }

    @Test func unknownMethodsAndBadParametersAreVarlinkErrors() async throws {
        let client = daemon.client
        try await blocking { () throws in
            #expect(try client.callError("io.contaird.System.Nope")?.name
                == "org.varlink.service.MethodNotFound")
            #expect(try client.callError("io.contaird.Nope.Version")?.name
                == "org.varlink.service.InterfaceNotFound")
            #expect(try client.callError("io.contaird.Containers.Get", ["id": 5])?.name
                == "org.varlink.service.InvalidParameter")
            #expect(try client.callError("io.contaird.Containers.Get",
                                         ["id": "never-created"])?.name
                == "io.contaird.Containers.ContainerNotFound")
        }
    }

    /// On a daemon of its own, so that other tests' clients do not count.
    @Test func clientsLeavingStreamsAndWaitsFreeTheirThreads() async throws {
        try await TestDaemon.with { daemon in try await blocking {
            let client = daemon.client
            let id = uniqueID("leaver")
            try TaskTests.startDetached(client, image: daemon.image, id, .args("sleep", "1000"))
            defer { try? client.delete(id) }
            let pid = daemon.processID.withLock { $0 }
            func threads() -> Int {
                (try? FileSystem.listDirectory("/proc/\(pid)/task").count) ?? 0
            }
            _ = try client.call("io.contaird.System.Version")
            let baseline = threads()
            for _ in 0..<20 {
                let events = try RawVarlinkSocket(socketPath: daemon.socketPath)
                events.send(["method": "io.contaird.System.Events", "more": true])
                _ = events.receive()
                let logs = try RawVarlinkSocket(socketPath: daemon.socketPath)
                logs.send(["method": "io.contaird.Tasks.Logs", "more": true,
                           "parameters": ["id": .string(id), "follow": true]])
                _ = logs.receive()
                let wait = try RawVarlinkSocket(socketPath: daemon.socketPath)
                wait.send(["method": "io.contaird.Tasks.Wait",
                           "parameters": ["id": .string(id)]])
                usleep(20_000)
            }
            // The sockets are closed (released above); their threads must end.
            let settled = TestProcess.eventually(within: 10) { threads() <= baseline + 2 }
            #expect(settled, "the daemon has \(threads()) threads, \(baseline) before")
        } }
    }

    @Test func manyClientsAtOnceWhileOthersBlock() async throws {
        let daemon = daemon
        let client = daemon.client
        let id = uniqueID("blocker")
        try await blocking {
            try client.create(id, image: daemon.image, .args("sleep", "1000"))
            try client.call("io.contaird.Tasks.Start", ["id": .string(id)])
        }
        defer { try? client.delete(id) }

        // Clients blocked in Wait hold connections of their own meanwhile.
        let waiters = try (0..<8).map { _ in
            let socket = try RawVarlinkSocket(socketPath: daemon.socketPath)
            socket.send(["method": "io.contaird.Tasks.Wait", "parameters": ["id": .string(id)]])
            return socket
        }
        let started = TestProcess.monotonicSeconds()
        let failures = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<40 {
                group.addTask {
                    try await blocking {
                        var failed = 0
                        for _ in 0..<5 {
                            let info = try? client.call("io.contaird.System.Info")
                            let list = try? client.call("io.contaird.Containers.List")
                            if info?["info"] == nil || list?["containers"] == nil { failed += 1 }
                        }
                        return failed
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = TestProcess.monotonicSeconds() - started
        #expect(failures == 0)
        #expect(elapsed < 30, "400 calls from 40 clients took \(elapsed) s")

        try await blocking {
            try client.call("io.contaird.Tasks.Kill", ["id": .string(id), "signal": "KILL"])
        }
        for waiter in waiters {
            let reply = waiter.receive(within: 10)
            #expect(reply?["parameters"]?["exitStatus"]?.intValue == 137)
        }
    }
}
