/// A parsed varlink interface definition, together with its text.
///
/// The text is what `GetInterfaceDescription` serves, byte for byte; the model is
/// what incoming calls are checked against (`VarlinkInterface+Validation.swift`).
public struct VarlinkInterface: Sendable {
    /// The reverse-domain name, such as `io.contaird.Containers`.
    public let name: String
    /// The definition's text, exactly as given.
    public let text: String
    /// The comment lines above the `interface` keyword.
    public let documentation: String
    public let types: [String: VarlinkTypeDefinition]
    public let methods: [String: VarlinkMethod]
    public let errors: [String: VarlinkErrorDefinition]
    /// The names of types, methods and errors in the order they are defined.
    public let memberNames: [String]

    /// Parses an interface definition; see `VarlinkInterfaceParser` for the grammar.
    public init(parsing text: String) throws(VarlinkInterfaceError) {
        var parser = VarlinkInterfaceParser(text: text)
        let parsed = try parser.parseInterface()
        name = parsed.name
        self.text = text
        documentation = parsed.documentation
        types = parsed.types
        methods = parsed.methods
        errors = parsed.errors
        memberNames = parsed.memberNames
    }
}

/// An interface definition that does not parse: where and why.
public struct VarlinkInterfaceError: Error, Equatable, Sendable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    public let reason: String

    public var description: String {
        "line \(line), column \(column): \(reason)"
    }
}
