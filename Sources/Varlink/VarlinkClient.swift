import SystemKit

/// A varlink client on one connection: synchronous and blocking, with no threads of
/// its own, so that a short-lived command pays nothing at start-up.
///
/// Calls are sequential, as the protocol wants: a streaming call (`more`) must be read
/// to its last reply before the next call. Errors thrown: `VarlinkError` when the
/// service answered with an error (the connection stays usable), and
/// `VarlinkConnectionError` when the connection failed (it is then closed).
public final class VarlinkClient {
    public let socketPath: String
    let connection: VarlinkConnection
    var streaming = false
    var upgraded = false
    var pendingMethod: String?

    /// Connects to the service listening at `socketPath`.
    public init(socketPath: String,
                maximumMessageSize: Int = VarlinkConnection.defaultMaximumMessageSize)
        throws(VarlinkConnectionError)
    {
        self.socketPath = socketPath
        do {
            connection = VarlinkConnection(descriptor: try UnixSocket.connect(to: socketPath),
                                           maximumMessageSize: maximumMessageSize)
        } catch {
            throw .system(error)
        }
    }

    /// Closes the connection.
    public func close() {
        connection.close()
    }

    /// Calls `method` (qualified, such as `io.contaird.Tasks.Start`) and returns the
    /// reply's parameters.
    @discardableResult
    public func call(_ method: String, _ parameters: JSONObject = [:]) throws -> JSONObject {
        try startCall(method, parameters)
        return try finishCall()
    }

    /// Sends a call without waiting for its reply, for a client that has other
    /// descriptors to watch meanwhile (`ctrs run` keeps a Wait pending while it relays
    /// a terminal): poll `descriptor` for input, then read the reply with
    /// `finishCall()`. No other call may be made in between.
    public func startCall(_ method: String, _ parameters: JSONObject = [:]) throws {
        try send(method, parameters, flags: [:])
        pendingMethod = method
    }

    /// The reply to the call `startCall` sent; blocks until it arrives.
    public func finishCall() throws -> JSONObject {
        guard let method = pendingMethod else {
            preconditionFailure("finishCall without startCall")
        }
        pendingMethod = nil
        let (reply, continues) = try receiveReply(method)
        if continues {
            connection.close()
            throw VarlinkConnectionError.malformed("\(method): \"continues\" without \"more\"")
        }
        return reply
    }

    /// The connection's socket, to poll for the reply of a started call. When
    /// `hasBufferedInput` is true, the reply may already be in the buffer and poll would
    /// not report it.
    public var descriptor: FileDescriptor {
        connection.descriptor
    }

    /// Bytes of a reply are already buffered.
    public var hasBufferedInput: Bool {
        connection.hasBufferedBytes
    }

    /// Calls `method` with typed parameters and decodes the reply as `type`.
    public func call<Parameters: Encodable, Reply: Decodable>(
        _ method: String, _ parameters: Parameters, returning type: Reply.Type
    ) throws -> Reply {
        let reply = try call(method, try JSONValueEncoder().encodeObject(parameters))
        return try JSONValueDecoder().decode(type, from: reply)
    }

    /// Calls `method` with `oneway`: the service sends no reply, so nothing tells
    /// whether or when the call was carried out.
    public func callOneway(_ method: String, _ parameters: JSONObject = [:]) throws {
        try send(method, parameters, flags: ["oneway": true])
    }

    /// Calls `method` with `more` and returns the stream of its replies; read it to the
    /// end (until `next()` returns nil) before making another call.
    public func callMore(_ method: String, _ parameters: JSONObject = [:]) throws
        -> VarlinkReplyStream
    {
        try send(method, parameters, flags: ["more": true])
        streaming = true
        return VarlinkReplyStream(client: self, method: method)
    }

    /// Calls `method` with `upgrade` and, after its reply, returns the connection for
    /// the method's own protocol. The client is spent afterwards. An error reply throws
    /// and leaves the client usable.
    public func callUpgrade(_ method: String, _ parameters: JSONObject = [:]) throws
        -> (reply: JSONObject, connection: VarlinkUpgradedConnection)
    {
        try send(method, parameters, flags: ["upgrade": true])
        let (reply, _) = try receiveReply(method)
        upgraded = true
        let pending = connection.takeBufferedBytes()
        let raw = VarlinkUpgradedConnection(descriptor: connection.releaseDescriptor(),
                                            pending: pending)
        return (reply, raw)
    }

    func send(_ method: String, _ parameters: JSONObject, flags: JSONObject) throws {
        precondition(!streaming, "\(method) called before the previous stream ended")
        precondition(pendingMethod == nil, "\(method) called before finishCall")
        precondition(!upgraded, "\(method) called on an upgraded connection")
        var message: JSONObject = ["method": .string(method)]
        if !parameters.isEmpty {
            message["parameters"] = .object(parameters)
        }
        for (key, value) in flags {
            message[key] = value
        }
        do {
            try connection.send(message)
        } catch {
            connection.close()
            throw error
        }
    }

    /// The next reply's parameters and whether more follow; an error reply throws.
    func receiveReply(_ method: String) throws -> (JSONObject, Bool) {
        let message: JSONObject
        do {
            guard let received = try connection.receive() else {
                throw VarlinkConnectionError.closed
            }
            message = received
        } catch {
            connection.close()
            throw error
        }
        var parameters = JSONObject()
        switch message["parameters"] {
        case .object(let object)?:
            parameters = object
        case nil, .null?:
            break
        default:
            connection.close()
            throw VarlinkConnectionError.malformed("\(method): \"parameters\" is not an object")
        }
        if let name = message["error"], !name.isNull {
            guard let name = name.stringValue else {
                connection.close()
                throw VarlinkConnectionError.malformed("\(method): \"error\" is not a string")
            }
            streaming = false
            throw VarlinkError(name, parameters: parameters)
        }
        return (parameters, message["continues"]?.boolValue ?? false)
    }
}
