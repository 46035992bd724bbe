#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CShim
import SystemKit

/// How a handler answers one call.
///
/// - `reply(_:continues:)` sends a reply; with `continues: true` (allowed only when the
///   caller asked for `more`) more replies follow, and the last one has
///   `continues: false`. A `continues: true` reply to a call without `more` throws
///   `org.varlink.service.ExpectedMore` before sending anything, so a streaming handler
///   that lets it propagate answers such a call with that error.
/// - For a `oneway` call, replies are dropped.
/// - `upgrade(_:)` sends the one reply of an `upgrade` call and hands over the raw
///   connection; the server closes it when the handler returns, unless the handler
///   detached it.
///
/// Used on the connection's thread only; a streaming handler checks `isCancelled`
/// between replies so that it ends when the caller hangs up or the server stops.
public final class VarlinkReplier {
    public let call: VarlinkCall
    let connection: VarlinkConnection
    let stopping: @Sendable () -> Bool

    /// When set, every reply is checked against the method's output type first
    /// (`VarlinkServer`'s `validateReplies`).
    var outputCheck: (interface: VarlinkInterface, output: [VarlinkField])?

    /// Told when the connection leaves the varlink protocol.
    var onUpgrade: () -> Void = {}

    /// A final reply, an error or an upgrade has been sent.
    public private(set) var isFinished = false
    var upgraded: VarlinkUpgradedConnection?

    init(call: VarlinkCall, connection: VarlinkConnection,
         stopping: @escaping @Sendable () -> Bool) {
        self.call = call
        self.connection = connection
        self.stopping = stopping
    }

    /// Sends a reply with `parameters`.
    public func reply(_ parameters: JSONObject = [:], continues: Bool = false) throws {
        precondition(!isFinished, "\(call.method): reply after the final reply")
        if continues && !call.more {
            throw VarlinkError.expectedMore
        }
        if let (interface, output) = outputCheck,
            let path = interface.firstMismatch(.object(parameters), type: .structure(output),
                                               path: "")
        {
            throw ReplyMismatch(method: call.method, path: path)
        }
        if !continues {
            isFinished = true
        }
        if call.oneway {
            return
        }
        var message: JSONObject = ["parameters": .object(parameters)]
        if continues {
            message["continues"] = .bool(true)
        }
        try connection.send(message)
    }

    /// Sends a reply whose parameters are `value` encoded (a struct).
    public func reply<Parameters: Encodable>(_ value: Parameters, continues: Bool = false)
        throws
    {
        try reply(try JSONValueEncoder().encodeObject(value), continues: continues)
    }

    /// Sends `error` as the final answer.
    public func fail(_ error: VarlinkError) throws {
        precondition(!isFinished, "\(call.method): error after the final reply")
        isFinished = true
        if call.oneway {
            return
        }
        var message: JSONObject = ["error": .string(error.name)]
        if !error.parameters.isEmpty {
            message["parameters"] = .object(error.parameters)
        }
        try connection.send(message)
    }

    /// Sends the reply of an `upgrade` call and returns the connection, which from now
    /// on carries the method's own protocol. Throws InvalidParameter("upgrade") when
    /// the caller did not ask for an upgrade.
    public func upgrade(_ parameters: JSONObject = [:]) throws -> VarlinkUpgradedConnection {
        guard call.upgrade else {
            throw VarlinkError.invalidParameter("upgrade")
        }
        try reply(parameters)
        onUpgrade()
        let pending = connection.takeBufferedBytes()
        let raw = VarlinkUpgradedConnection(descriptor: connection.releaseDescriptor(),
                                            pending: pending)
        upgraded = raw
        return raw
    }

    /// Like `upgrade(_:)`, with the reply's parameters encoded from `value`.
    public func upgrade<Parameters: Encodable>(_ value: Parameters) throws
        -> VarlinkUpgradedConnection
    {
        try upgrade(try JSONValueEncoder().encodeObject(value))
    }

    /// Whether the caller hung up or the server is stopping: a handler streaming
    /// replies, or waiting for something to stream, should end.
    public var isCancelled: Bool {
        if stopping() {
            return true
        }
        return cshim_peer_hung_up(connection.descriptor.rawValue) == 1
    }
}

/// A handler's reply that does not match the method's output type: a bug in the
/// service, caught when the server validates replies.
public struct ReplyMismatch: Error, CustomStringConvertible {
    public let method: String
    /// The first offending field of the reply.
    public let path: String

    public var description: String {
        "reply of \(method) does not match its definition at \"\(path)\""
    }
}

/// An error a handler threw that its interface does not define, or defines with other
/// parameters: a bug in the service, caught when the server validates replies.
public struct ErrorMismatch: Error, CustomStringConvertible {
    public let name: String
    /// The first offending parameter, or nil when the interface does not define the
    /// error at all.
    public let path: String?

    public var description: String {
        if let path {
            return "error \(name) does not match its definition at \"\(path)\""
        }
        return "error \(name) is not defined by its interface"
    }
}
