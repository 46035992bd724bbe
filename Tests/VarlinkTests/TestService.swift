import Glibc
import Synchronization
import SystemKit
@testable import Varlink

/// A varlink service exercising every feature of the layer, on a private socket.
final class TestService: Sendable {
    static let description = """
        # A service for the varlink layer's tests.
        interface org.example.test

        type Pair (key: string, value: int)

        # Returns its parameters.
        method Echo(text: string, number: ?int, pairs: ?[]Pair) -> (
          text: string,
          number: ?int,
          pairs: ?[]Pair
        )

        # Fails with org.example.test.Failed.
        method Fail(detail: string) -> ()

        # Replies 1, 2, ... upTo; needs "more".
        method Count(upTo: int) -> (value: int)

        method Remember(value: string) -> ()

        method Recall() -> (value: ?string)

        method Sleep(milliseconds: int) -> (slept: int)

        method WhoAmI() -> (pid: int, uid: int, gid: int)

        # After the reply, reads until end of file and answers "got:" and the bytes.
        method Echoes() -> (ready: bool)

        method Unimplemented() -> ()

        # Replies a tick every 10 ms until the caller hangs up; needs "more".
        method Watch() -> (tick: int)

        # Throws an error that is not a VarlinkError.
        method Crash() -> ()

        # Replies with a string where the definition says int, or with errors that
        # break their definitions.
        method Wrong(how: (reply, undefinedError, errorParameters)) -> (count: int)

        error Failed (detail: string)
        """

    struct EchoParameters: Codable, Sendable {
        struct Pair: Codable, Sendable {
            var key: String
            var value: Int
        }

        var text: String
        var number: Int?
        var pairs: [Pair]?
    }

    struct Broken: Error {}

    let remembered = Mutex<String?>(nil)
    let watchesEnded = Atomic<Int>(0)

    func makeService() throws -> VarlinkService {
        var service = try VarlinkService(description: Self.description)
        service.handle("Echo") { (parameters: EchoParameters, _) in parameters }
        service.handle("Fail") { call, _ in
            throw VarlinkError("org.example.test.Failed",
                               parameters: ["detail": call.parameters["detail"]!])
        }
        service.handle("Count") { call, replier in
            let upTo = call.parameters["upTo"]!.intValue!
            for value in 1...max(1, upTo) {
                try replier.reply(["value": .int(value)], continues: value < upTo)
            }
        }
        service.handle("Remember") { [self] call, _ in
            remembered.withLock { $0 = call.parameters["value"]?.stringValue }
        }
        service.handle("Recall") { [self] _, replier in
            let value = remembered.withLock { $0 }
            try replier.reply(value.map { ["value": .string($0)] } ?? [:])
        }
        service.handle("Sleep") { call, replier in
            let milliseconds = call.parameters["milliseconds"]!.intValue!
            usleep(UInt32(milliseconds * 1000))
            try replier.reply(["slept": .int(milliseconds)])
        }
        service.handle("WhoAmI") { call, replier in
            try replier.reply(["pid": .int(Int64(call.peer.pid)),
                               "uid": .int(Int64(call.peer.uid)),
                               "gid": .int(Int64(call.peer.gid))])
        }
        service.handle("Echoes") { _, replier in
            let raw = try replier.upgrade(["ready": true])
            let received = try raw.readToEnd()
            try raw.write(Array("got:".utf8) + received)
        }
        service.handle("Watch") { [self] _, replier in
            defer { watchesEnded.add(1, ordering: .sequentiallyConsistent) }
            var tick: Int64 = 0
            while !replier.isCancelled {
                tick += 1
                try replier.reply(["tick": .int(tick)], continues: true)
                usleep(10_000)
            }
        }
        service.handle("Crash") { _, _ in
            throw Broken()
        }
        service.handle("Wrong") { call, replier in
            switch call.parameters["how"]?.stringValue {
            case "undefinedError":
                throw VarlinkError("org.example.test.NoSuchError")
            case "errorParameters":
                throw VarlinkError("org.example.test.Failed", parameters: ["detail": 1])
            default:
                try replier.reply(["count": "many"])
            }
        }
        return service
    }
}

/// A server with the test service on a socket in a private directory.
final class TestServer {
    let directory: String
    let path: String
    let server: VarlinkServer
    let state = TestService()

    init(maximumMessageSize: Int = VarlinkConnection.defaultMaximumMessageSize,
         mode: mode_t = 0o600, group: gid_t? = nil,
         authorize: VarlinkServer.Authorizer? = nil, validateReplies: Bool = false) throws {
        directory = try TestSupport.temporaryDirectory()
        path = directory + "/test.sock"
        server = VarlinkServer(
            identity: VarlinkServer.Identity(vendor: "contaird", product: "tests",
                                             version: "0", url: "https://example.org"),
            authorize: authorize, maximumMessageSize: maximumMessageSize,
            validateReplies: validateReplies, logger: TestSupport.quietLogger)
        server.register(try state.makeService())
        try server.listen(at: path, mode: mode, group: group)
    }

    func client() throws -> VarlinkClient {
        try VarlinkClient(socketPath: path)
    }

    /// A plain socket to the server, for writing bytes that no client would; reads
    /// time out after five seconds so that a broken server fails the test, not hangs it.
    func rawConnection() throws -> VarlinkConnection {
        let fd = try UnixSocket.connect(to: path)
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd.rawValue, SOL_SOCKET, SO_RCVTIMEO, &timeout,
                   socklen_t(MemoryLayout<timeval>.size))
        return VarlinkConnection(descriptor: fd)
    }

    func close() {
        server.stop(gracePeriod: .seconds(2))
        try? FileSystem.removeTree(directory)
    }
}
