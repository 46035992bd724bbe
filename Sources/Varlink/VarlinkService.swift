/// The handlers of one interface, with the interface's definition.
///
/// A handler runs on the connection's thread and may block: calls on one connection
/// are sequential by the protocol, and other connections have threads of their own.
/// It answers through the `VarlinkReplier`; see there for `more`, `oneway` and
/// `upgrade`. Throwing a `VarlinkError` answers with that error; a handler that
/// returns without answering answers with empty parameters (convenient for methods
/// declared `-> ()`).
public struct VarlinkService: Sendable {
    public typealias Handler = @Sendable (VarlinkCall, VarlinkReplier) throws -> Void

    public let interface: VarlinkInterface
    var handlers: [String: Handler] = [:]

    public init(interface: VarlinkInterface) {
        self.interface = interface
    }

    /// A service for the interface defined by `description`, the text of a `.varlink`
    /// file, which `GetInterfaceDescription` will serve as it is.
    public init(description: String) throws(VarlinkInterfaceError) {
        self.init(interface: try VarlinkInterface(parsing: description))
    }

    /// Sets the handler of `method` (the member name, such as `Start`). The method must
    /// be defined by the interface.
    public mutating func handle(_ method: String, _ handler: @escaping Handler) {
        precondition(interface.methods[method] != nil,
                     "\(interface.name) defines no method \(method)")
        handlers[method] = handler
    }

    /// Sets a handler that takes typed parameters and returns typed results: the
    /// parameters are decoded from the call, the result is encoded as the reply.
    public mutating func handle<
        Parameters: Decodable & SendableMetatype, Result: Encodable & SendableMetatype
    >(
        _ method: String,
        _ body: @escaping @Sendable (Parameters, VarlinkCall) throws -> Result
    ) {
        handle(method) { call, replier in
            let parameters = try call.decodeParameters(Parameters.self)
            let result = try body(parameters, call)
            try replier.reply(result)
        }
    }
}

/// The empty parameters or results of a method declared `()`.
public struct VarlinkEmpty: Codable, Sendable, Equatable {
    public init() {}
}
