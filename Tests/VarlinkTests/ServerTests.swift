import CShim
import Glibc
import Synchronization
import SystemKit
import Testing
@testable import Varlink

@Suite struct ServerTests {
    @Test func callsGetRepliesAndTypedValuesRoundTrip() throws {
        let harness = try TestServer()
        defer { harness.close() }
        let client = try harness.client()
        defer { client.close() }

        let reply = try client.call("org.example.test.Echo",
                                    ["text": "héllo \u{1F600}", "number": 42])
        #expect(reply["text"] == "héllo \u{1F600}")
        #expect(reply["number"] == 42)

        let typed = try client.call(
            "org.example.test.Echo",
            TestService.EchoParameters(text: "t", number: nil, pairs: [.init(key: "k", value: 7)]),
            returning: TestService.EchoParameters.self)
        #expect(typed.text == "t" && typed.number == nil && typed.pairs?.first?.value == 7)
    }

    @Test func standardErrorsAndServiceErrorsReachTheClient() throws {
        let harness = try TestServer()
        defer { harness.close() }
        let client = try harness.client()
        defer { client.close() }

        #expect(throws: VarlinkError.interfaceNotFound("org.nothing")) {
            try client.call("org.nothing.Method")
        }
        #expect(throws: VarlinkError.methodNotFound("org.example.test.Nope")) {
            try client.call("org.example.test.Nope")
        }
        #expect(throws: VarlinkError.methodNotImplemented("org.example.test.Unimplemented")) {
            try client.call("org.example.test.Unimplemented")
        }
        #expect(throws: VarlinkError.invalidParameter("text")) {
            try client.call("org.example.test.Echo", ["number": 1])
        }
        #expect(throws: VarlinkError.invalidParameter("pairs[0].value")) {
            try client.call("org.example.test.Echo",
                            ["text": "", "pairs": [["key": "k", "value": "v"]]])
        }
        #expect(throws: VarlinkError("org.example.test.Failed", parameters: ["detail": "why"])) {
            try client.call("org.example.test.Fail", ["detail": "why"])
        }
        do {
            try client.call("org.example.test.Crash")
            Issue.record("Crash succeeded")
        } catch let error as VarlinkError {
            #expect(error.name == "org.varlink.service.InternalError")
            #expect(error.message?.contains("Broken") == true)
        }
        // After all those errors the connection still serves.
        #expect(try client.call("org.example.test.Echo", ["text": "still"])["text"] == "still")
    }

    @Test func serviceInterfaceDescribesTheServiceVerbatim() throws {
        let harness = try TestServer()
        defer { harness.close() }
        let client = try harness.client()
        defer { client.close() }

        let info = try client.call("org.varlink.service.GetInfo")
        #expect(info["vendor"] == "contaird" && info["product"] == "tests")
        #expect(info["interfaces"] == ["org.varlink.service", "org.example.test"])

        let description = try client.call("org.varlink.service.GetInterfaceDescription",
                                          ["interface": "org.example.test"])
        #expect(description["description"]?.stringValue == TestService.description)
        let own = try client.call("org.varlink.service.GetInterfaceDescription",
                                  ["interface": "org.varlink.service"])
        let parsed = try VarlinkInterface(parsing: try #require(own["description"]?.stringValue))
        #expect(parsed.methods.keys.sorted() == ["GetInfo", "GetInterfaceDescription"])
        #expect(throws: VarlinkError.interfaceNotFound("org.nothing")) {
            try client.call("org.varlink.service.GetInterfaceDescription",
                            ["interface": "org.nothing"])
        }
    }

    @Test func moreStreamsRepliesAndPlainCallsGetExpectedMore() throws {
        let harness = try TestServer()
        defer { harness.close() }
        let client = try harness.client()
        defer { client.close() }

        var stream = try client.callMore("org.example.test.Count", ["upTo": 5])
        var values: [Int64] = []
        while let reply = try stream.next() {
            values.append(reply["value"]!.intValue!)
        }
        #expect(values == [1, 2, 3, 4, 5])
        #expect(throws: VarlinkError.expectedMore) {
            try client.call("org.example.test.Count", ["upTo": 3])
        }
        #expect(try client.call("org.example.test.Echo", ["text": "after"])["text"] == "after")
    }

    @Test func aStartedCallsReplyIsReadWhenPollSaysSo() throws {
        let harness = try TestServer()
        defer { harness.close() }
        let waiting = try harness.client()
        defer { waiting.close() }
        let other = try harness.client()
        defer { other.close() }

        try waiting.startCall("org.example.test.Sleep", ["milliseconds": 200])
        // Other work goes on meanwhile, and nothing is readable yet.
        #expect(try other.call("org.example.test.Echo", ["text": "meanwhile"])["text"]
            == "meanwhile")
        var entry = pollfd(fd: waiting.descriptor.rawValue, events: Int16(POLLIN), revents: 0)
        #expect(poll(&entry, 1, 0) == 0)
        #expect(poll(&entry, 1, 5000) == 1)
        #expect(try waiting.finishCall() == ["slept": 200])
        #expect(!waiting.hasBufferedInput)
        #expect(try waiting.call("org.example.test.Echo", ["text": "next"])["text"] == "next")
    }

    @Test func repliesAreCheckedAgainstTheDefinitionWhenAsked() throws {
        let checked = try TestServer(validateReplies: true)
        defer { checked.close() }
        let client = try checked.client()
        defer { client.close() }
        let expectations = [
            ("reply", #""count""#),
            ("undefinedError", "org.example.test.NoSuchError is not defined"),
            ("errorParameters",
             #"org.example.test.Failed does not match its definition at "detail""#),
        ]
        for (how, complaint) in expectations {
            do {
                try client.call("org.example.test.Wrong", ["how": .string(how)])
                Issue.record("\(how): a reply that breaks its definition went out")
            } catch let error as VarlinkError {
                #expect(error.name == "org.varlink.service.InternalError")
                #expect(error.message?.contains(complaint) == true, "\(error)")
            }
        }
        // Errors that match their definitions pass untouched.
        #expect(throws: VarlinkError("org.example.test.Failed", parameters: ["detail": "d"])) {
            try client.call("org.example.test.Fail", ["detail": "d"])
        }
        #expect(throws: VarlinkError.invalidParameter("text")) {
            try client.call("org.example.test.Echo", [:])
        }

        let unchecked = try TestServer()
        defer { unchecked.close() }
        #expect(try unchecked.client().call("org.example.test.Wrong", ["how": "reply"])
            == ["count": "many"])
    }

    @Test func onewayCallsGetNoReplyAndAreCarriedOutInOrder() throws {
        let harness = try TestServer()
        defer { harness.close() }
        let client = try harness.client()
        defer { client.close() }

        try client.callOneway("org.example.test.Remember", ["value": "kept"])
        // A oneway call that fails is silent too.
        try client.callOneway("org.example.test.Fail", ["detail": "unheard"])
        #expect(try client.call("org.example.test.Recall")["value"] == "kept")
    }

    @Test func upgradeHandsTheConnectionOverWithBytesSentEarly() throws {
        let harness = try TestServer()
        defer { harness.close() }

        // Through the client: the reply, then raw bytes both ways.
        let client = try harness.client()
        let (reply, raw) = try client.callUpgrade("org.example.test.Echoes")
        #expect(reply["ready"] == true)
        try raw.write(Array("terminal bytes \u{0}\u{1}".utf8))
        try raw.shutdownWrite()
        #expect(try raw.readToEnd() == Array("got:terminal bytes \u{0}\u{1}".utf8))
        raw.close()

        // Raw bytes written in the same write as the call reach the handler too.
        let connection = try harness.rawConnection()
        var bytes = Array(#"{"method":"org.example.test.Echoes","upgrade":true}"#.utf8)
        bytes += [0] + Array("early".utf8)
        try UnixSocket.sendAll(connection.descriptor, bytes)
        shutdown(connection.descriptor.rawValue, Int32(SHUT_WR))
        let message = try #require(try connection.receive())
        #expect(message["parameters"] == ["ready": true])
        var rest = connection.takeBufferedBytes()
        rest += try connection.descriptor.readToEnd()
        #expect(rest == Array("got:early".utf8))

        // Without "upgrade" the method refuses.
        let plain = try harness.client()
        defer { plain.close() }
        #expect(throws: VarlinkError.invalidParameter("upgrade")) {
            try plain.call("org.example.test.Echoes")
        }
    }

    @Test func messagesSplitAcrossReadsOrSharingOneAreFramed() throws {
        let harness = try TestServer()
        defer { harness.close() }
        let connection = try harness.rawConnection()

        // One call written a byte at a time.
        let call = Array(#"{"method":"org.example.test.Echo","parameters":{"text":"slow"}}"#.utf8)
        for byte in call + [0] {
            try UnixSocket.sendAll(connection.descriptor, [byte])
            usleep(200)
        }
        #expect(try connection.receive()?["parameters"] == ["text": "slow"])

        // Three calls in one write are answered in order.
        var batch: [UInt8] = []
        for text in ["one", "two", "three"] {
            batch += Array(
                #"{"method":"org.example.test.Echo","parameters":{"text":"\#(text)"}}"#.utf8)
            batch.append(0)
        }
        try UnixSocket.sendAll(connection.descriptor, batch)
        for text in ["one", "two", "three"] {
            #expect(try connection.receive()?["parameters"] == ["text": .string(text)])
        }
    }

    /// Sends `bytes` on a raw connection and returns the error reply, checking that the
    /// server then closes the connection.
    func refusal(_ bytes: [UInt8], harness: TestServer) throws -> JSONObject {
        let connection = try harness.rawConnection()
        try? UnixSocket.sendAll(connection.descriptor, bytes)
        let reply = try #require(try connection.receive())
        #expect(try connection.receive() == nil, "the connection stays open")
        return reply
    }

    @Test func malformedMessagesAreAnsweredAndOnlyTheirConnectionCloses() throws {
        let harness = try TestServer()
        defer { harness.close() }
        let bystander = try harness.client()
        defer { bystander.close() }

        let cases = ["not json", "[1,2]", #"{"parameters":{}}"#, #"{"method":7}"#,
                     #"{"method":"org.example.test.Echo","parameters":[]}"#,
                     #"{"method":"org.example.test.Echo","more":"yes"}"#, "{\"method\":\"x\"}"]
        for text in cases {
            let reply = try refusal(Array(text.utf8) + [0], harness: harness)
            #expect(reply["error"] == .string(VarlinkServer.malformedMessage), "\(text)")
            #expect(reply["parameters"]?["reason"]?.stringValue?.isEmpty == false)
        }
        #expect(try bystander.call("org.example.test.Echo", ["text": "fine"])["text"] == "fine")
        #expect(try harness.client().call("org.example.test.Echo", ["text": "new"])["text"]
            == "new")
    }

    @Test func oversizedMessagesAreRefused() throws {
        // The default limit of 8 MiB, with a message of 9 MiB and no NUL.
        let harness = try TestServer()
        defer { harness.close() }
        let bystander = try harness.client()
        defer { bystander.close() }
        let huge = [UInt8](repeating: UInt8(ascii: "a"), count: 9 << 20)
        let reply = try refusal(huge, harness: harness)
        #expect(reply["error"] == .string(VarlinkServer.messageTooLarge))
        #expect(reply["parameters"]?["limit"] == .int(8 << 20))
        #expect(try bystander.call("org.example.test.Echo", ["text": "ok"])["text"] == "ok")

        // A smaller limit, just above a valid call.
        let small = try TestServer(maximumMessageSize: 1024)
        defer { small.close() }
        let longText = String(repeating: "x", count: 2000)
        let client = try small.client()
        #expect(throws: VarlinkError(VarlinkServer.messageTooLarge, parameters: ["limit": 1024])) {
            try client.call("org.example.test.Echo", ["text": .string(longText)])
        }
        #expect(throws: VarlinkConnectionError.self) { try client.call("org.example.test.Recall") }
        #expect(try small.client().call("org.example.test.Echo", ["text": "short"])["text"]
            == "short")
    }

    @Test func fiftyClientsAreServedConcurrently() throws {
        let harness = try TestServer()
        defer { harness.close() }
        let shared = SharedResults()
        let path = harness.path
        let clock = ContinuousClock()
        let start = clock.now

        for index in 0..<50 {
            try DetachedThread.start(name: "test-client") {
                do {
                    let client = try VarlinkClient(socketPath: path)
                    defer { client.close() }
                    // Each sleeps 200 ms in its handler: served one after the other, the
                    // fifty would take ten seconds.
                    _ = try client.call("org.example.test.Sleep", ["milliseconds": 200])
                    for round in 0..<10 {
                        let text = "client \(index) round \(round)"
                        let reply = try client.call("org.example.test.Echo",
                                                    ["text": .string(text)])
                        if reply["text"]?.stringValue != text {
                            shared.failures.withLock { $0.append("\(index): \(reply)") }
                        }
                    }
                } catch {
                    shared.failures.withLock { $0.append("\(index): \(error)") }
                }
                shared.finished.add(1, ordering: .sequentiallyConsistent)
            }
        }
        while shared.finished.load(ordering: .sequentiallyConsistent) < 50,
            clock.now - start < .seconds(30)
        {
            usleep(5_000)
        }
        let elapsed = clock.now - start
        #expect(shared.finished.load(ordering: .sequentiallyConsistent) == 50)
        #expect(shared.failures.withLock { $0 } == [])
        #expect(elapsed < .seconds(5), "took \(elapsed)")
    }

    @Test func handlersSeeThePeerAndTheSocketHasItsModeAndGroup() throws {
        let harness = try TestServer(mode: 0o660, group: 4242)
        defer { harness.close() }
        var status = stat()
        #expect(stat(harness.path, &status) == 0)
        #expect(status.st_mode & 0o7777 == 0o660)
        #expect(status.st_gid == 4242)
        #expect(status.st_mode & S_IFMT == S_IFSOCK)

        let client = try harness.client()
        defer { client.close() }
        let me = try client.call("org.example.test.WhoAmI")
        #expect(me["pid"] == .int(Int64(getpid())))
        #expect(me["uid"] == .int(Int64(getuid())))
        #expect(me["gid"] == .int(Int64(getgid())))
    }

    @Test func refusedPeersGetPermissionDenied() throws {
        let shared = SharedResults()
        let harness = try TestServer(authorize: { peer in
            shared.peers.withLock { $0.append(peer) }
            return peer.isRootOrMember(of: 4242) && peer.uid != getuid()
        })
        defer { harness.close() }
        let client = try harness.client()
        defer { client.close() }
        #expect(throws: VarlinkError.permissionDenied) {
            try client.call("org.varlink.service.GetInfo")
        }
        #expect(shared.peers.withLock { $0.first?.pid } == getpid())
    }

    @Test func groupsAreLookedUpByName() {
        #expect(UnixGroup.id(named: "root") == 0)
        #expect(UnixGroup.id(named: "no-such-group-\(getpid())") == nil)
    }

    @Test func aSecondServerOnALiveSocketIsRefusedAndAStaleOneReplaced() throws {
        let harness = try TestServer()
        defer { harness.close() }
        let second = VarlinkServer(identity: harness.server.identity)
        #expect(throws: SystemError(call: "bind", path: harness.path, errno: EADDRINUSE)) {
            try second.listen(at: harness.path)
        }

        // A socket file nobody listens on is replaced.
        let stalePath = harness.directory + "/stale.sock"
        let stale = try UnixSocket.make()
        #expect(cshimBind(stale, stalePath) == 0)
        stale.close()
        try second.listen(at: stalePath)
        defer { second.stop() }
        let info = try VarlinkClient(socketPath: stalePath).call("org.varlink.service.GetInfo")
        #expect(info["product"] == "tests")

        // A regular file is never replaced.
        let filePath = harness.directory + "/file"
        try FileSystem.writeAtomically(filePath, text: "keep")
        let third = VarlinkServer(identity: harness.server.identity)
        #expect(throws: SystemError(call: "bind", path: filePath, errno: EEXIST)) {
            try third.listen(at: filePath)
        }
        #expect(try FileSystem.readText(filePath) == "keep")
    }

    @Test func stopLetsRunningCallsFinishAndClosesTheRest() throws {
        let harness = try TestServer()
        defer { try? FileSystem.removeTree(harness.directory) }
        let idle = try harness.client()
        defer { idle.close() }
        #expect(try idle.call("org.example.test.Echo", ["text": "x"])["text"] == "x")

        let shared = SharedResults()
        let path = harness.path
        try DetachedThread.start(name: "test-slow") {
            let client = try? VarlinkClient(socketPath: path)
            let result = try? client?.call("org.example.test.Sleep", ["milliseconds": 300])
            shared.reply.withLock { $0 = result }
        }
        usleep(100_000)
        harness.server.stop(gracePeriod: .seconds(5))

        #expect(shared.reply.withLock { $0 } == ["slept": 300])
        #expect(harness.server.connectionCount == 0)
        #expect(!FileSystem.exists(harness.path))
        #expect(throws: VarlinkConnectionError.self) {
            try idle.call("org.example.test.Echo", ["text": "y"])
        }
        #expect(throws: VarlinkConnectionError.self) { try harness.client() }
    }

    @Test func streamsEndWhenTheCallerHangsUp() throws {
        let harness = try TestServer()
        defer { harness.close() }
        let client = try harness.client()
        var stream = try client.callMore("org.example.test.Watch")
        for expected in 1...3 {
            #expect(try stream.next()?["tick"] == .int(Int64(expected)))
        }
        client.close()
        let state = harness.state
        for _ in 0..<500 where state.watchesEnded.load(ordering: .sequentiallyConsistent) == 0 {
            usleep(10_000)
        }
        #expect(harness.state.watchesEnded.load(ordering: .sequentiallyConsistent) == 1)
    }
}

/// What the test's own threads report, shared with the test by reference.
final class SharedResults: Sendable {
    let finished = Atomic<Int>(0)
    let failures = Mutex<[String]>([])
    let reply = Mutex<JSONObject?>(nil)
    let peers = Mutex<[PeerCredentials]>([])
}

/// Binds `socket` to `path` without listening: a stale socket file.
func cshimBind(_ socket: FileDescriptor, _ path: String) -> Int32 {
    cshim_unix_bind(socket.rawValue, path)
}
