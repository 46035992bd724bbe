import Glibc
import SystemKit
import Testing
import Varlink

/// A small client of the daemon's API on `Varlink.VarlinkClient`: one connection per
/// call, so that a value of it can be shared by concurrent tests.
struct DaemonClient: Sendable {
    let socketPath: String

    /// What a container printed and how it ended.
    struct Outcome: Sendable {
        var exitStatus: Int
        var stdout: String
        var stderr: String
    }

    func connect() throws -> VarlinkClient {
        try VarlinkClient(socketPath: socketPath)
    }

    /// Calls `method` on a connection of its own.
    @discardableResult
    func call(_ method: String, _ parameters: JSONObject = [:]) throws -> JSONObject {
        let client = try connect()
        defer { client.close() }
        return try client.call(method, parameters)
    }

    /// The varlink error a call fails with, or nil when it succeeds.
    func callError(_ method: String, _ parameters: JSONObject = [:]) throws -> VarlinkError? {
        do {
            try call(method, parameters)
            return nil
        } catch let error as VarlinkError {
            return error
        }
    }

    /// Sends the archive at `path` through Images.Import; returns the names imported.
    func importArchive(path: String) throws -> [String] {
        let client = try connect()
        let (_, connection) = try client.callUpgrade("io.contaird.Images.Import")
        defer { connection.close() }
        let file = try FileDescriptor.open(path, O_RDONLY)
        defer { file.close() }
        while true {
            let chunk = try file.read(upTo: 256 * 1024)
            if chunk.isEmpty { break }
            try connection.write(chunk)
        }
        try connection.shutdownWrite()
        var reply = try connection.readToEnd()
        try #require(reply.last == 0, "the import's final message has no NUL")
        reply.removeLast()
        let message = try JSONParser.parse(reply)
        if let error = message["error"]?.stringValue {
            throw VarlinkError(error, parameters: message["parameters"]?.objectValue ?? [:])
        }
        let images = message["parameters"]?["images"]?.arrayValue ?? []
        return images.compactMap { $0["name"]?.stringValue }
    }

    /// Creates container `id` from the test image with `spec`'s fields added.
    @discardableResult
    func create(_ id: String, image: String, _ spec: JSONObject = [:],
                labels: JSONObject? = nil) throws -> JSONObject
    {
        var full = spec
        full["image"] = .string(image)
        var parameters: JSONObject = ["id": .string(id), "spec": .object(full)]
        if let labels { parameters["labels"] = .object(labels) }
        let reply = try call("io.contaird.Containers.Create", parameters)
        return reply["container"]?.objectValue ?? [:]
    }

    /// Starts the task with "upgrade"; the connection carries its input and output.
    func startAttached(_ id: String, stdin: Bool = false) throws
        -> (pid: Int, connection: RawStream)
    {
        let (reply, stream) = try upgrade("io.contaird.Tasks.Start",
                                          ["id": .string(id), "stdin": .bool(stdin)])
        return (Int(reply["pid"]?.intValue ?? 0), stream)
    }

    /// Calls `method` with "upgrade": its reply and the connection's raw stream.
    func upgrade(_ method: String, _ parameters: JSONObject) throws
        -> (reply: JSONObject, stream: RawStream)
    {
        let client = try connect()
        let (reply, connection) = try client.callUpgrade(method, parameters)
        let (descriptor, pending) = connection.detach()
        return (reply, RawStream(descriptor: descriptor, pending: pending))
    }

    func wait(_ id: String, execID: String? = nil) throws -> Int {
        var parameters: JSONObject = ["id": .string(id)]
        if let execID { parameters["execId"] = .string(execID) }
        let reply = try call("io.contaird.Tasks.Wait", parameters)
        return Int(reply["exitStatus"]?.intValue ?? -1)
    }

    func delete(_ id: String) throws {
        try call("io.contaird.Containers.Delete", ["id": .string(id), "force": true])
    }

    func taskStatus(_ id: String) throws -> String? {
        try call("io.contaird.Tasks.Get", ["id": .string(id)])["task"]?["status"]?.stringValue
    }

    /// Creates `id`, runs it attached to the end, and deletes it: its output and status.
    func run(_ id: String, image: String, _ spec: JSONObject = [:]) throws -> Outcome {
        try create(id, image: image, spec)
        defer { try? delete(id) }
        let (_, connection) = try startAttached(id)
        let (stdout, stderr) = try Self.readFrames(connection)
        connection.close()
        return Outcome(exitStatus: try wait(id), stdout: stdout, stderr: stderr)
    }

    /// Reads framed output (8-byte headers: stream, three zeros, big-endian length)
    /// until the daemon closes the connection.
    static func readFrames(_ connection: RawStream) throws
        -> (stdout: String, stderr: String)
    {
        let bytes = try connection.readToEnd()
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        var offset = 0
        while offset + 8 <= bytes.count {
            let length = bytes[(offset + 4)..<(offset + 8)].reduce(0) { $0 << 8 | Int($1) }
            let payload = bytes[(offset + 8)..<min(bytes.count, offset + 8 + length)]
            if bytes[offset] == 2 {
                stderr += payload
            } else {
                stdout += payload
            }
            offset += 8 + length
        }
        #expect(offset == bytes.count, "a frame was cut short")
        return (String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    /// Reads raw bytes until `needle` shows up, the stream ends or `seconds` pass.
    static func read(_ connection: RawStream, until needle: String,
                     within seconds: Double = 10) -> String
    {
        var text = String(decoding: connection.takePending(), as: UTF8.self)
        let deadline = TestProcess.monotonicSeconds() + seconds
        while !text.contains(needle) && TestProcess.monotonicSeconds() < deadline {
            var entry = pollfd(fd: connection.descriptor.rawValue, events: Int16(POLLIN),
                               revents: 0)
            if poll(&entry, 1, 100) <= 0 { continue }
            guard let chunk = try? connection.descriptor.read(upTo: 4096), !chunk.isEmpty
            else { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        return text
    }
}

/// An upgraded connection's descriptor with the bytes already read behind the reply.
final class RawStream: @unchecked Sendable {
    let descriptor: FileDescriptor
    var pending: [UInt8]
    var open = true

    init(descriptor: FileDescriptor, pending: [UInt8]) {
        self.descriptor = descriptor
        self.pending = pending
    }

    deinit {
        close()
    }

    func close() {
        if open {
            open = false
            descriptor.close()
        }
    }

    func takePending() -> [UInt8] {
        defer { pending = [] }
        return pending
    }

    func readToEnd() throws -> [UInt8] {
        takePending() + (try descriptor.readToEnd())
    }

    func write(_ text: String) throws {
        try descriptor.writeAll(Array(text.utf8))
    }

    func shutdownWrite() {
        shutdown(descriptor.rawValue, Int32(SHUT_WR))
    }
}

extension JSONObject {
    /// Shorthand for an argument list.
    static func args(_ arguments: String...) -> JSONObject {
        ["args": .array(arguments.map { .string($0) })]
    }
}

extension JSONValue {
    static func strings(_ values: [String]) -> JSONValue {
        .array(values.map { .string($0) })
    }
}

/// A plain connection to the daemon's socket that speaks varlink by hand: for bytes
/// that no well-behaved client would send, and for reading streams with a deadline.
final class RawVarlinkSocket: @unchecked Sendable {
    let descriptor: FileDescriptor
    var buffer: [UInt8] = []

    init(socketPath: String) throws {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError(call: "socket", path: socketPath, errno: errno) }
        descriptor = FileDescriptor(rawValue: fd)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in socketPath.utf8.enumerated() where index < raw.count - 1 {
                raw[index] = byte
            }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            let code = errno
            close(fd)
            throw SystemError(call: "connect", path: socketPath, errno: code)
        }
    }

    deinit {
        descriptor.close()
    }

    /// Sends `bytes` as they are; a peer that closed early is not an error here.
    func send(_ bytes: [UInt8]) {
        try? descriptor.writeAll(bytes)
    }

    /// Sends one varlink message.
    func send(_ message: JSONObject) {
        send(JSONValue.object(message).serialized() + [0])
    }

    /// The next NUL-terminated message, or nil when none came within `seconds` or the
    /// connection ended.
    func receive(within seconds: Double = 10) -> JSONObject? {
        let deadline = TestProcess.monotonicSeconds() + seconds
        while true {
            if let end = buffer.firstIndex(of: 0) {
                let message = Array(buffer[..<end])
                buffer.removeFirst(end + 1)
                return (try? JSONParser.parse(message))?.objectValue
            }
            let left = deadline - TestProcess.monotonicSeconds()
            guard left > 0 else { return nil }
            var entry = pollfd(fd: descriptor.rawValue, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, Int32(left * 1000) + 1) > 0,
                  let chunk = try? descriptor.read(upTo: 64 * 1024), !chunk.isEmpty
            else { return nil }
            buffer += chunk
        }
    }
}
