/// A parsed JSON document: enough of RFC 8259 to read seccomp profiles without
/// Foundation (runcs must start in a few milliseconds). Internal, so that it does not
/// clash with the JSON types of the modules that import this one.
enum ProfileJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number kept as written, so 64-bit integers (seccomp argument values) keep every
    /// bit; see `int64`, `uint64`.
    case number(String)
    case string(String)
    case array([ProfileJSON])
    case object([String: ProfileJSON])

    /// Parses `bytes` as one JSON value.
    init(parsing bytes: [UInt8]) throws(ProfileJSONError) {
        var parser = ProfileJSONParser(bytes: bytes)
        self = try parser.parseDocument()
    }

    /// The member `key` of an object; nil for other values or a missing key.
    subscript(key: String) -> ProfileJSON? {
        if case .object(let members) = self {
            return members[key]
        }
        return nil
    }

    var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    var array: [ProfileJSON]? {
        if case .array(let value) = self { return value }
        return nil
    }

    var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The number as a signed 64-bit integer; nil when it is not one.
    var int64: Int64? {
        if case .number(let text) = self { return Int64(text) }
        return nil
    }

    /// The number as an unsigned 64-bit integer; nil when it is not one.
    var uint64: UInt64? {
        if case .number(let text) = self { return UInt64(text) }
        return nil
    }
}

/// Malformed JSON, with the byte offset where reading stopped.
struct ProfileJSONError: Error, Sendable, Equatable, CustomStringConvertible {
    var offset: Int
    var reason: String

    var description: String {
        "invalid json at byte \(offset): \(reason)"
    }
}

/// A recursive-descent reader over UTF-8 bytes.
struct ProfileJSONParser {
    let bytes: [UInt8]
    var index = 0
    var depth = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func parseDocument() throws(ProfileJSONError) -> ProfileJSON {
        let value = try parseValue()
        skipSpace()
        if index != bytes.count {
            throw fail("unexpected content after the value")
        }
        return value
    }

    private func fail(_ reason: String) -> ProfileJSONError {
        ProfileJSONError(offset: index, reason: reason)
    }

    private mutating func skipSpace() {
        while index < bytes.count,
            bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D
                || bytes[index] == 0x09
        {
            index += 1
        }
    }

    private mutating func parseValue() throws(ProfileJSONError) -> ProfileJSON {
        skipSpace()
        guard index < bytes.count else {
            throw fail("unexpected end")
        }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            return try parseObject()
        case UInt8(ascii: "["):
            return try parseArray()
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectWord("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectWord("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectWord("null")
            return .null
        default:
            return try parseNumber()
        }
    }

    private mutating func expectWord(_ word: String) throws(ProfileJSONError) {
        let utf8 = Array(word.utf8)
        guard index + utf8.count <= bytes.count,
            Array(bytes[index..<index + utf8.count]) == utf8
        else {
            throw fail("expected \(word)")
        }
        index += utf8.count
    }

    private mutating func enter() throws(ProfileJSONError) {
        depth += 1
        if depth > 512 {
            throw fail("nested too deeply")
        }
    }

    private mutating func parseObject() throws(ProfileJSONError) -> ProfileJSON {
        try enter()
        defer { depth -= 1 }
        index += 1
        var members: [String: ProfileJSON] = [:]
        skipSpace()
        if index < bytes.count && bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw fail("expected a member name")
            }
            let key = try parseString()
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                throw fail("expected ':'")
            }
            index += 1
            members[key] = try parseValue()
            skipSpace()
            guard index < bytes.count else {
                throw fail("unexpected end in an object")
            }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            } else {
                throw fail("expected ',' or '}'")
            }
        }
    }

    private mutating func parseArray() throws(ProfileJSONError) -> ProfileJSON {
        try enter()
        defer { depth -= 1 }
        index += 1
        var elements: [ProfileJSON] = []
        skipSpace()
        if index < bytes.count && bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            elements.append(try parseValue())
            skipSpace()
            guard index < bytes.count else {
                throw fail("unexpected end in an array")
            }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            } else {
                throw fail("expected ',' or ']'")
            }
        }
    }

    private mutating func parseNumber() throws(ProfileJSONError) -> ProfileJSON {
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            let isNumberByte = (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: "-")
                || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
            if !isNumberByte { break }
            index += 1
        }
        if start == index {
            throw fail("unexpected character")
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if Double(text) == nil {
            index = start
            throw fail("malformed number \(text)")
        }
        return .number(text)
    }

    private mutating func parseString() throws(ProfileJSONError) -> String {
        index += 1
        var out: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: "\"") {
                return String(decoding: out, as: UTF8.self)
            }
            if byte < 0x20 {
                throw fail("control character in a string")
            }
            if byte != UInt8(ascii: "\\") {
                out.append(byte)
                continue
            }
            guard index < bytes.count else { break }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"):
                out.append(escape)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try parseHex4()
                if (0xD800..<0xDC00).contains(scalar), index + 1 < bytes.count,
                    bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                {
                    index += 2
                    let low = try parseHex4()
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                let character = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                out.append(contentsOf: Array(String(Character(character)).utf8))
            default:
                throw fail("bad escape")
            }
        }
        throw fail("unterminated string")
    }

    private mutating func parseHex4() throws(ProfileJSONError) -> UInt32 {
        guard index + 4 <= bytes.count,
            let value = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self),
                radix: 16)
        else {
            throw fail("bad \\u escape")
        }
        index += 4
        return value
    }
}
