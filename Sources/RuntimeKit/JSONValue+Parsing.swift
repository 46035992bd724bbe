import SystemKit

/// A small JSON reader and writer over UTF-8 bytes, without Codable.
///
/// runcs reads config.json and its own state at every start; Codable's generic
/// machinery costs milliseconds of metadata work in a fresh process, so the hot paths
/// parse into `JSONValue` and map fields by hand (`Spec+JSON.swift`).
extension JSONValue {
    /// Parses one JSON document.
    public static func parse(_ bytes: [UInt8]) throws(RuntimeError) -> JSONValue {
        var parser = Parser(bytes: bytes)
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.offset == bytes.count else {
            throw parser.failure("trailing characters")
        }
        return value
    }

    /// The JSON text, compact or indented with two spaces; object keys keep their order
    /// only when given as `orderedKeys`, else sorted.
    /// The JSON text; object keys named in `keyOrder` come first, in that order (the
    /// order runc prints state in, which callers' patterns expect), the others sorted.
    public func serialized(pretty: Bool = false, keyOrder: [String] = []) -> String {
        var out = ""
        write(to: &out, pretty: pretty, indent: 0, keyOrder: keyOrder)
        return out
    }

    private func write(to out: inout String, pretty: Bool, indent: Int, keyOrder: [String]) {
        let newline = pretty ? "\n" : ""
        let pad = pretty ? String(repeating: "  ", count: indent + 1) : ""
        let closePad = pretty ? String(repeating: "  ", count: indent) : ""
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .integer(let value): out += String(value)
        case .unsigned(let value): out += String(value)
        case .number(let value): out += "\(value)"
        case .string(let value): out += Logger.jsonQuoted(value)
        case .array(let items):
            if items.isEmpty {
                out += "[]"
                return
            }
            out += "[" + newline
            for (index, item) in items.enumerated() {
                out += pad
                item.write(to: &out, pretty: pretty, indent: indent + 1, keyOrder: keyOrder)
                out += (index == items.count - 1 ? "" : ",") + newline
            }
            out += closePad + "]"
        case .object(let fields):
            if fields.isEmpty {
                out += "{}"
                return
            }
            out += "{" + newline
            let first = keyOrder.filter { fields[$0] != nil }
            let keys = first + fields.keys.filter { !first.contains($0) }.sorted()
            for (index, key) in keys.enumerated() {
                out += pad + Logger.jsonQuoted(key) + (pretty ? ": " : ":")
                fields[key]!.write(to: &out, pretty: pretty, indent: indent + 1,
                                   keyOrder: keyOrder)
                out += (index == keys.count - 1 ? "" : ",") + newline
            }
            out += closePad + "}"
        }
    }

    // MARK: Access

    public subscript(key: String) -> JSONValue? {
        if case .object(let fields) = self {
            return fields[key]
        }
        return nil
    }

    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var double: Double? {
        switch self {
        case .number(let value): value
        case .integer(let value): Double(value)
        case .unsigned(let value): Double(value)
        default: nil
        }
    }

    public var array: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var object: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// The number as an integer of type `T`, when it is one and fits.
    public func integer<T: FixedWidthInteger>(_ type: T.Type = T.self) -> T? {
        switch self {
        case .integer(let value): T(exactly: value)
        case .unsigned(let value): T(exactly: value)
        case .number(let value): T(exactly: value)
        default: nil
        }
    }

    public var strings: [String]? {
        array?.compactMap(\.string)
    }

    /// A string array, or nil for nil.
    public static func stringList(_ values: [String]?) -> JSONValue? {
        values.map { .array($0.map(JSONValue.string)) }
    }

    /// Any whole number, as `.integer` or, above Int64.max, `.unsigned`.
    public static func whole<T: BinaryInteger>(_ value: T) -> JSONValue {
        if let small = Int64(exactly: value) {
            return .integer(small)
        }
        return .unsigned(UInt64(value))
    }
}

/// The reader behind `JSONValue.parse`: recursive descent over the bytes.
private struct Parser {
    let bytes: [UInt8]
    var offset = 0

    func failure(_ what: String) -> RuntimeError {
        RuntimeError(.invalidArgument, "invalid JSON at byte \(offset): \(what)")
    }

    mutating func skipSpace() {
        while offset < bytes.count,
              bytes[offset] == 0x20 || bytes[offset] == 0x0a || bytes[offset] == 0x0d
                || bytes[offset] == 0x09 {
            offset += 1
        }
    }

    mutating func value(depth: Int) throws(RuntimeError) -> JSONValue {
        guard depth < 200 else {
            throw failure("nested too deeply")
        }
        skipSpace()
        guard offset < bytes.count else {
            throw failure("unexpected end")
        }
        switch bytes[offset] {
        case 0x7b: return try object(depth: depth)
        case 0x5b: return try array(depth: depth)
        case 0x22: return .string(try string())
        case 0x74: try literal("true"); return .bool(true)
        case 0x66: try literal("false"); return .bool(false)
        case 0x6e: try literal("null"); return .null
        default: return try number()
        }
    }

    mutating func literal(_ word: String) throws(RuntimeError) {
        let expected = Array(word.utf8)
        guard offset + expected.count <= bytes.count,
              Array(bytes[offset..<offset + expected.count]) == expected else {
            throw failure("expected \(word)")
        }
        offset += expected.count
    }

    mutating func object(depth: Int) throws(RuntimeError) -> JSONValue {
        offset += 1
        var fields: [String: JSONValue] = [:]
        skipSpace()
        if offset < bytes.count && bytes[offset] == 0x7d {
            offset += 1
            return .object(fields)
        }
        while true {
            skipSpace()
            guard offset < bytes.count, bytes[offset] == 0x22 else {
                throw failure("expected a key")
            }
            let key = try string()
            skipSpace()
            guard offset < bytes.count, bytes[offset] == 0x3a else {
                throw failure("expected ':'")
            }
            offset += 1
            fields[key] = try value(depth: depth + 1)
            skipSpace()
            guard offset < bytes.count else {
                throw failure("unexpected end")
            }
            if bytes[offset] == 0x2c {
                offset += 1
            } else if bytes[offset] == 0x7d {
                offset += 1
                return .object(fields)
            } else {
                throw failure("expected ',' or '}'")
            }
        }
    }

    mutating func array(depth: Int) throws(RuntimeError) -> JSONValue {
        offset += 1
        var items: [JSONValue] = []
        skipSpace()
        if offset < bytes.count && bytes[offset] == 0x5d {
            offset += 1
            return .array(items)
        }
        while true {
            items.append(try value(depth: depth + 1))
            skipSpace()
            guard offset < bytes.count else {
                throw failure("unexpected end")
            }
            if bytes[offset] == 0x2c {
                offset += 1
            } else if bytes[offset] == 0x5d {
                offset += 1
                return .array(items)
            } else {
                throw failure("expected ',' or ']'")
            }
        }
    }

    mutating func string() throws(RuntimeError) -> String {
        offset += 1
        var scalars: [UInt8] = []
        while offset < bytes.count {
            let byte = bytes[offset]
            offset += 1
            if byte == 0x22 {
                return String(decoding: scalars, as: UTF8.self)
            }
            guard byte == 0x5c else {
                scalars.append(byte)
                continue
            }
            guard offset < bytes.count else { break }
            let escape = bytes[offset]
            offset += 1
            switch escape {
            case 0x22, 0x5c, 0x2f: scalars.append(escape)
            case 0x62: scalars.append(0x08)
            case 0x66: scalars.append(0x0c)
            case 0x6e: scalars.append(0x0a)
            case 0x72: scalars.append(0x0d)
            case 0x74: scalars.append(0x09)
            case 0x75:
                var code = try hex4()
                if (0xd800..<0xdc00).contains(code), offset + 1 < bytes.count,
                   bytes[offset] == 0x5c, bytes[offset + 1] == 0x75 {
                    offset += 2
                    let low = try hex4()
                    code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00)
                }
                let scalar = Unicode.Scalar(code) ?? "\u{fffd}"
                scalars.append(contentsOf: Array(String(Character(scalar)).utf8))
            default:
                throw failure("bad escape")
            }
        }
        throw failure("unterminated string")
    }

    mutating func hex4() throws(RuntimeError) -> UInt32 {
        guard offset + 4 <= bytes.count,
              let code = UInt32(String(decoding: bytes[offset..<offset + 4], as: UTF8.self),
                                radix: 16) else {
            throw failure("bad \\u escape")
        }
        offset += 4
        return code
    }

    mutating func number() throws(RuntimeError) -> JSONValue {
        let start = offset
        while offset < bytes.count {
            let byte = bytes[offset]
            let isNumberByte = (byte >= 0x30 && byte <= 0x39) || byte == 0x2d || byte == 0x2b
                || byte == 0x2e || byte == 0x65 || byte == 0x45
            guard isNumberByte else { break }
            offset += 1
        }
        let text = String(decoding: bytes[start..<offset], as: UTF8.self)
        if let value = Int64(text) {
            return .integer(value)
        }
        if let value = UInt64(text) {
            return .unsigned(value)
        }
        guard let value = Double(text) else {
            offset = start
            throw failure("unexpected character")
        }
        return .number(value)
    }
}
