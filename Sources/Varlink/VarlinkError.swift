/// A varlink error reply: a fully qualified error name and its parameters.
///
/// Handlers throw it to answer a call with an error; the client throws it when the
/// service answered with one. The standard errors of `org.varlink.service` have
/// constructors here.
public struct VarlinkError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The qualified name, such as `org.varlink.service.MethodNotFound`.
    public let name: String
    public let parameters: JSONObject

    public init(_ name: String, parameters: JSONObject = [:]) {
        self.name = name
        self.parameters = parameters
    }

    /// An error whose parameters are a Codable value.
    public init<Parameters: Encodable>(_ name: String, _ parameters: Parameters) throws {
        self.init(name, parameters: try JSONValueEncoder().encodeObject(parameters))
    }

    /// The parameters decoded as `type`.
    public func decodeParameters<Parameters: Decodable>(_ type: Parameters.Type) throws
        -> Parameters
    {
        try JSONValueDecoder().decode(type, from: parameters)
    }

    /// The `message` parameter, which contaird's errors carry for people to read.
    public var message: String? {
        parameters["message"]?.stringValue
    }

    public var description: String {
        if let message {
            return message
        }
        if parameters.isEmpty {
            return name
        }
        return "\(name) \(JSONValue.object(parameters))"
    }

    public static let serviceInterface = "org.varlink.service"

    public static func interfaceNotFound(_ interface: String) -> VarlinkError {
        VarlinkError("org.varlink.service.InterfaceNotFound",
                     parameters: ["interface": .string(interface)])
    }

    public static func methodNotFound(_ method: String) -> VarlinkError {
        VarlinkError("org.varlink.service.MethodNotFound", parameters: ["method": .string(method)])
    }

    public static func methodNotImplemented(_ method: String) -> VarlinkError {
        VarlinkError("org.varlink.service.MethodNotImplemented",
                     parameters: ["method": .string(method)])
    }

    public static func invalidParameter(_ parameter: String) -> VarlinkError {
        VarlinkError("org.varlink.service.InvalidParameter",
                     parameters: ["parameter": .string(parameter)])
    }

    /// The method streams its replies and must be called with "more".
    public static let expectedMore = VarlinkError("org.varlink.service.ExpectedMore")

    /// The caller is not allowed to make the call (or to use the service at all).
    public static let permissionDenied = VarlinkError("org.varlink.service.PermissionDenied")
}
