/// A type of varlink's interface definition language.
public indirect enum VarlinkType: Sendable, Equatable, CustomStringConvertible {
    case bool
    case int
    case float
    case string
    /// Any JSON object, not checked further.
    case object
    /// A type defined with `type Name ...` in the same interface.
    case named(String)
    /// `(name: type, ...)`; `()` is the empty struct.
    case structure([VarlinkField])
    /// `(one, two, three)`: one of the names, as a JSON string.
    case enumeration([String])
    /// `?type`: the value may be null or absent.
    case optional(VarlinkType)
    /// `[]type`
    case array(VarlinkType)
    /// `[string]type`: an object with any keys; `[string]()` is a set of strings.
    case map(VarlinkType)

    /// The type in the language's own notation, on one line.
    public var description: String {
        switch self {
        case .bool: "bool"
        case .int: "int"
        case .float: "float"
        case .string: "string"
        case .object: "object"
        case .named(let name): name
        case .structure(let fields):
            "(" + fields.map { "\($0.name): \($0.type)" }.joined(separator: ", ") + ")"
        case .enumeration(let names): "(" + names.joined(separator: ", ") + ")"
        case .optional(let element): "?\(element)"
        case .array(let element): "[]\(element)"
        case .map(let element): "[string]\(element)"
        }
    }
}

/// A named member of a struct, or a parameter of a method or an error.
public struct VarlinkField: Sendable, Equatable {
    public let name: String
    public let type: VarlinkType

    public init(name: String, type: VarlinkType) {
        self.name = name
        self.type = type
    }
}

/// `method Name(input) -> (output)`.
public struct VarlinkMethod: Sendable, Equatable {
    public let name: String
    public let input: [VarlinkField]
    public let output: [VarlinkField]
    /// The comment lines written just above the method, without their `#`.
    public let documentation: String
}

/// `error Name (parameters)`.
public struct VarlinkErrorDefinition: Sendable, Equatable {
    public let name: String
    public let parameters: [VarlinkField]
    public let documentation: String
}

/// `type Name (...)`: a struct or an enum given a name.
public struct VarlinkTypeDefinition: Sendable, Equatable {
    public let name: String
    public let type: VarlinkType
    public let documentation: String
}
