/// One method call as a handler receives it.
public struct VarlinkCall: Sendable {
    /// The qualified method name, such as `io.contaird.Tasks.Start`.
    public let method: String
    /// The interface part of `method`, such as `io.contaird.Tasks`.
    public let interface: String
    /// The member part of `method`, such as `Start`.
    public let member: String
    /// The parameters, already checked against the method's input type.
    public let parameters: JSONObject
    /// The caller accepts several replies (`continues`).
    public let more: Bool
    /// The caller wants no reply at all.
    public let oneway: Bool
    /// The caller asks to switch the connection to another protocol after the reply.
    public let upgrade: Bool
    /// Who made the call, for authorization.
    public let peer: PeerCredentials

    public init(method: String, parameters: JSONObject = [:], more: Bool = false,
                oneway: Bool = false, upgrade: Bool = false, peer: PeerCredentials) {
        self.method = method
        let dot = method.lastIndex(of: ".") ?? method.startIndex
        interface = String(method[..<dot])
        member = dot < method.endIndex ? String(method[method.index(after: dot)...]) : ""
        self.parameters = parameters
        self.more = more
        self.oneway = oneway
        self.upgrade = upgrade
        self.peer = peer
    }

    /// The parameters decoded as `type`. A field that does not decode gives
    /// `org.varlink.service.InvalidParameter` naming the field's path.
    public func decodeParameters<Parameters: Decodable>(_ type: Parameters.Type)
        throws(VarlinkError) -> Parameters
    {
        do {
            return try JSONValueDecoder().decode(type, from: parameters)
        } catch let error as DecodingError {
            throw VarlinkError.invalidParameter(Self.path(of: error))
        } catch {
            throw VarlinkError.invalidParameter("parameters")
        }
    }

    /// `a.b[2].c` from the coding path of a decoding error.
    static func path(of error: DecodingError) -> String {
        var keys: [any CodingKey]
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context),
            .dataCorrupted(let context):
            keys = context.codingPath
        case .keyNotFound(let key, let context):
            keys = context.codingPath + [key]
        @unknown default:
            keys = []
        }
        var path = ""
        for key in keys {
            if let index = key.intValue {
                path += "[\(index)]"
            } else {
                path += path.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return path.isEmpty ? "parameters" : path
    }
}
