/// Parses varlink's interface definition language (varlink.org, "Interface
/// Definition"):
///
///     interface  = "interface" NAME member+
///     member     = "type" Member (struct | enum)
///                | "method" Member struct "->" struct
///                | "error" Member struct
///     struct     = "(" [field ("," field)*] ")"
///     enum       = "(" identifier ("," identifier)* ")"
///     field      = identifier ":" type
///     type       = ["?"] ("bool" | "int" | "float" | "string" | "object" | Member
///                        | struct | enum | "[]" type | "[string]" type)
///
/// Whitespace and `#` comments (to the end of the line) may stand between any two
/// tokens; the comment lines just above a member are its documentation. An interface
/// name is reverse-domain (`io.contaird.System`, its first label letters only);
/// member names start with a capital; field names are letters and digits with single
/// underscores between them. Member names are unique, every named type is defined,
/// and `??` is refused.
struct VarlinkInterfaceParser {
    struct Parsed {
        var name = ""
        var documentation = ""
        var types: [String: VarlinkTypeDefinition] = [:]
        var methods: [String: VarlinkMethod] = [:]
        var errors: [String: VarlinkErrorDefinition] = [:]
        var memberNames: [String] = []
    }

    let bytes: [UInt8]
    var position = 0
    /// The comment lines seen since the last token, for documentation.
    var pendingComments: [String] = []

    init(text: String) {
        bytes = Array(text.utf8)
    }

    mutating func parseInterface() throws(VarlinkInterfaceError) -> Parsed {
        var parsed = Parsed()
        skipSpace()
        parsed.documentation = takeDocumentation()
        try expectKeyword("interface")
        parsed.name = try interfaceName()

        var referenced: [(name: String, at: Int)] = []
        while true {
            skipSpace()
            if position >= bytes.count {
                break
            }
            let documentation = takeDocumentation()
            let start = position
            let keyword = word()
            let member = try memberName()
            guard !parsed.memberNames.contains(member) else {
                throw error("\"\(member)\" is defined twice", at: start)
            }
            switch keyword {
            case "type":
                let type = try parseStructOrEnum(references: &referenced)
                parsed.types[member] = VarlinkTypeDefinition(
                    name: member, type: type, documentation: documentation)
            case "method":
                let input = try parseStruct(references: &referenced)
                skipSpace()
                try expect("->")
                let output = try parseStruct(references: &referenced)
                parsed.methods[member] = VarlinkMethod(
                    name: member, input: input, output: output, documentation: documentation)
            case "error":
                let parameters = try parseStruct(references: &referenced)
                parsed.errors[member] = VarlinkErrorDefinition(
                    name: member, parameters: parameters, documentation: documentation)
            default:
                throw error("expected \"type\", \"method\" or \"error\"", at: start)
            }
            parsed.memberNames.append(member)
            // Comments inside this member document its fields, not the next member.
            pendingComments = []
        }
        guard !parsed.memberNames.isEmpty else {
            throw error("an interface needs at least one member", at: position)
        }
        for reference in referenced where parsed.types[reference.name] == nil {
            throw error("type \"\(reference.name)\" is not defined", at: reference.at)
        }
        return parsed
    }

    // MARK: Types

    mutating func parseStructOrEnum(references: inout [(name: String, at: Int)])
        throws(VarlinkInterfaceError) -> VarlinkType
    {
        skipSpace()
        try expect("(")
        skipSpace()
        let start = position
        // An identifier followed by ":" starts a struct; one followed by "," or ")" an
        // enum; "()" is the empty struct.
        if peek() == UInt8(ascii: ")") {
            position += 1
            return .structure([])
        }
        _ = try identifier()
        skipSpace()
        let isStruct = peek() == UInt8(ascii: ":")
        position = start
        if isStruct {
            return .structure(try parseFields(references: &references))
        }
        var names: [String] = []
        while true {
            skipSpace()
            let at = position
            let name = try identifier()
            guard !names.contains(name) else {
                throw error("enum value \"\(name)\" is listed twice", at: at)
            }
            names.append(name)
            skipSpace()
            if peek() == UInt8(ascii: ",") {
                position += 1
                continue
            }
            try expect(")")
            return .enumeration(names)
        }
    }

    mutating func parseStruct(references: inout [(name: String, at: Int)])
        throws(VarlinkInterfaceError) -> [VarlinkField]
    {
        skipSpace()
        let start = position
        guard case .structure(let fields) = try parseStructOrEnum(references: &references)
        else {
            throw error("expected a struct, not an enum", at: start)
        }
        return fields
    }

    /// The fields after an opening parenthesis, through the closing one.
    mutating func parseFields(references: inout [(name: String, at: Int)])
        throws(VarlinkInterfaceError) -> [VarlinkField]
    {
        var fields: [VarlinkField] = []
        while true {
            skipSpace()
            let at = position
            let name = try identifier()
            guard !fields.contains(where: { $0.name == name }) else {
                throw error("field \"\(name)\" is listed twice", at: at)
            }
            skipSpace()
            try expect(":")
            let type = try parseType(references: &references, afterOptional: false)
            fields.append(VarlinkField(name: name, type: type))
            skipSpace()
            if peek() == UInt8(ascii: ",") {
                position += 1
                continue
            }
            try expect(")")
            return fields
        }
    }

    mutating func parseType(references: inout [(name: String, at: Int)], afterOptional: Bool)
        throws(VarlinkInterfaceError) -> VarlinkType
    {
        skipSpace()
        let start = position
        switch peek() {
        case UInt8(ascii: "?"):
            guard !afterOptional else {
                throw error("\"??\" is not a type", at: start)
            }
            position += 1
            return .optional(try parseType(references: &references, afterOptional: true))
        case UInt8(ascii: "["):
            if hasPrefix("[]") {
                position += 2
                return .array(try parseType(references: &references, afterOptional: false))
            }
            if hasPrefix("[string]") {
                position += 8
                return .map(try parseType(references: &references, afterOptional: false))
            }
            throw error("expected \"[]\" or \"[string]\"", at: start)
        case UInt8(ascii: "("):
            return try parseStructOrEnum(references: &references)
        default:
            let name = word()
            switch name {
            case "bool": return .bool
            case "int": return .int
            case "float": return .float
            case "string": return .string
            case "object": return .object
            default:
                guard Self.isMemberName(name) else {
                    throw error("expected a type", at: start)
                }
                references.append((name, start))
                return .named(name)
            }
        }
    }

    // MARK: Names

    mutating func interfaceName() throws(VarlinkInterfaceError) -> String {
        skipSpace()
        let start = position
        while let byte = peek(), Self.isAlphanumeric(byte) || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: "-")
        {
            position += 1
        }
        let name = String(decoding: bytes[start..<position], as: UTF8.self)
        guard Self.isInterfaceName(name) else {
            throw error("invalid interface name \"\(name)\"", at: start)
        }
        return name
    }

    /// Reverse-domain: a first label of letters, then one or more labels of letters,
    /// digits and inner dashes (`io.contaird.System`, `org.varlink.service`).
    static func isInterfaceName(_ name: String) -> Bool {
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, !labels[0].isEmpty, labels[0].utf8.allSatisfy(isLetter)
        else {
            return false
        }
        return labels.dropFirst().allSatisfy { label in
            !label.isEmpty && label.first != "-" && label.last != "-"
                && label.utf8.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") }
        }
    }

    static func isMemberName(_ name: String) -> Bool {
        guard let first = name.utf8.first, (65...90).contains(first) else {
            return false
        }
        return name.utf8.allSatisfy(isAlphanumeric)
    }

    /// A field or enum name: a letter, then letters and digits with single underscores.
    mutating func identifier() throws(VarlinkInterfaceError) -> String {
        let start = position
        let name = word()
        let valid = name.utf8.first.map(Self.isLetter) == true && !name.hasSuffix("_")
            && !name.contains("__")
        guard valid else {
            throw error("expected a name", at: start)
        }
        return name
    }

    mutating func memberName() throws(VarlinkInterfaceError) -> String {
        skipSpace()
        let start = position
        let name = word()
        guard Self.isMemberName(name) else {
            throw error("expected a name starting with a capital letter", at: start)
        }
        return name
    }

    // MARK: Tokens

    func peek() -> UInt8? {
        position < bytes.count ? bytes[position] : nil
    }

    func hasPrefix(_ text: String) -> Bool {
        let utf8 = Array(text.utf8)
        return position + utf8.count <= bytes.count
            && Array(bytes[position..<position + utf8.count]) == utf8
    }

    /// Letters, digits and underscores from `position` on.
    mutating func word() -> String {
        let start = position
        while let byte = peek(), Self.isAlphanumeric(byte) || byte == UInt8(ascii: "_") {
            position += 1
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    mutating func expect(_ token: String) throws(VarlinkInterfaceError) {
        guard hasPrefix(token) else {
            throw error("expected \"\(token)\"", at: position)
        }
        position += token.utf8.count
    }

    mutating func expectKeyword(_ keyword: String) throws(VarlinkInterfaceError) {
        let start = position
        guard word() == keyword else {
            throw error("expected \"\(keyword)\"", at: start)
        }
    }

    /// Skips whitespace and comments, remembering the comment lines that directly
    /// precede the next token (a blank line forgets the ones before it).
    mutating func skipSpace() {
        var newlines = 0
        while let byte = peek() {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                position += 1
            case UInt8(ascii: "\n"):
                newlines += 1
                if newlines > 1 {
                    pendingComments = []
                }
                position += 1
            case UInt8(ascii: "#"):
                let start = position + 1
                while let next = peek(), next != UInt8(ascii: "\n") {
                    position += 1
                }
                var line = String(decoding: bytes[start..<position], as: UTF8.self)
                if line.hasPrefix(" ") {
                    line.removeFirst()
                }
                pendingComments.append(line)
                newlines = 0
            default:
                return
            }
        }
    }

    mutating func takeDocumentation() -> String {
        defer { pendingComments = [] }
        return pendingComments.joined(separator: "\n")
    }

    func error(_ reason: String, at offset: Int) -> VarlinkInterfaceError {
        var line = 1
        var column = 1
        for byte in bytes[..<min(offset, bytes.count)] {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return VarlinkInterfaceError(line: line, column: column, reason: reason)
    }

    static func isLetter(_ byte: UInt8) -> Bool {
        (65...90).contains(byte) || (97...122).contains(byte)
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isLetter(byte) || (48...57).contains(byte)
    }
}
