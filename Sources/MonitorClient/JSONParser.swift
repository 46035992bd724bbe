/// A recursive-descent parser over UTF-8 bytes; see `JSONValue.parse`.
struct JSONParser {
    let bytes: [UInt8]
    var offset = 0

    /// Deeper nesting than this is refused, so that hostile input cannot exhaust the stack.
    static let maximumDepth = 64

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func skipSpace() {
        while offset < bytes.count,
              bytes[offset] == 0x20 || bytes[offset] == 0x0a || bytes[offset] == 0x0d
                  || bytes[offset] == 0x09 {
            offset += 1
        }
    }

    func failure(_ reason: String) -> JSONError {
        JSONError(offset: offset, reason: reason)
    }

    mutating func value(depth: Int) throws(JSONError) -> JSONValue {
        guard depth < Self.maximumDepth else {
            throw failure("nested too deeply")
        }
        skipSpace()
        guard offset < bytes.count else {
            throw failure("unexpected end")
        }
        switch bytes[offset] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: return try number()
        }
    }

    mutating func literal(_ word: String) throws(JSONError) {
        for byte in word.utf8 {
            guard offset < bytes.count, bytes[offset] == byte else {
                throw failure("expected \(word)")
            }
            offset += 1
        }
    }

    mutating func object(depth: Int) throws(JSONError) -> JSONValue {
        offset += 1
        var members: [(String, JSONValue)] = []
        skipSpace()
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "}") {
            offset += 1
            return .object(members)
        }
        while true {
            skipSpace()
            guard offset < bytes.count, bytes[offset] == UInt8(ascii: "\"") else {
                throw failure("expected a member name")
            }
            let key = try string()
            skipSpace()
            guard offset < bytes.count, bytes[offset] == UInt8(ascii: ":") else {
                throw failure("expected ':'")
            }
            offset += 1
            members.append((key, try value(depth: depth + 1)))
            skipSpace()
            guard offset < bytes.count else {
                throw failure("unexpected end")
            }
            if bytes[offset] == UInt8(ascii: ",") {
                offset += 1
                continue
            }
            guard bytes[offset] == UInt8(ascii: "}") else {
                throw failure("expected ',' or '}'")
            }
            offset += 1
            return .object(members)
        }
    }

    mutating func array(depth: Int) throws(JSONError) -> JSONValue {
        offset += 1
        var items: [JSONValue] = []
        skipSpace()
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "]") {
            offset += 1
            return .array(items)
        }
        while true {
            items.append(try value(depth: depth + 1))
            skipSpace()
            guard offset < bytes.count else {
                throw failure("unexpected end")
            }
            if bytes[offset] == UInt8(ascii: ",") {
                offset += 1
                continue
            }
            guard bytes[offset] == UInt8(ascii: "]") else {
                throw failure("expected ',' or ']'")
            }
            offset += 1
            return .array(items)
        }
    }

    mutating func string() throws(JSONError) -> String {
        offset += 1
        var text = ""
        var runStart = offset
        while true {
            guard offset < bytes.count else {
                throw failure("unterminated string")
            }
            let byte = bytes[offset]
            if byte == UInt8(ascii: "\"") {
                text += String(decoding: bytes[runStart..<offset], as: UTF8.self)
                offset += 1
                return text
            }
            if byte < 0x20 {
                throw failure("control character in string")
            }
            if byte != UInt8(ascii: "\\") {
                offset += 1
                continue
            }

            // Keep the plain run before the escape, then decode the escape.
            text += String(decoding: bytes[runStart..<offset], as: UTF8.self)
            offset += 1
            guard offset < bytes.count else {
                throw failure("unterminated escape")
            }
            let escape = bytes[offset]
            offset += 1
            switch escape {
            case UInt8(ascii: "\""): text += "\""
            case UInt8(ascii: "\\"): text += "\\"
            case UInt8(ascii: "/"): text += "/"
            case UInt8(ascii: "b"): text += "\u{8}"
            case UInt8(ascii: "f"): text += "\u{c}"
            case UInt8(ascii: "n"): text += "\n"
            case UInt8(ascii: "r"): text += "\r"
            case UInt8(ascii: "t"): text += "\t"
            case UInt8(ascii: "u"): text.unicodeScalars.append(try unicodeEscape())
            default: throw failure("unknown escape")
            }
            runStart = offset
        }
    }

    /// The scalar of a `\uXXXX` escape (the `\u` already read), joining surrogate pairs.
    mutating func unicodeEscape() throws(JSONError) -> Unicode.Scalar {
        let first = try hexQuad()
        if first >= 0xD800 && first < 0xDC00, offset + 1 < bytes.count,
           bytes[offset] == UInt8(ascii: "\\"), bytes[offset + 1] == UInt8(ascii: "u") {
            offset += 2
            let second = try hexQuad()
            if second >= 0xDC00 && second < 0xE000 {
                let value = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                return Unicode.Scalar(value) ?? "\u{FFFD}"
            }
            return "\u{FFFD}"
        }
        return Unicode.Scalar(first) ?? "\u{FFFD}"
    }

    mutating func hexQuad() throws(JSONError) -> UInt32 {
        guard offset + 4 <= bytes.count else {
            throw failure("short unicode escape")
        }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("bad hex digit in unicode escape")
            }
            value = value << 4 | UInt32(digit)
            offset += 1
        }
        return value
    }

    mutating func number() throws(JSONError) -> JSONValue {
        let start = offset
        var integral = true
        while offset < bytes.count {
            let byte = bytes[offset]
            let digit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
            if digit || byte == UInt8(ascii: "-") {
                offset += 1
            } else if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e")
                        || byte == UInt8(ascii: "E") || byte == UInt8(ascii: "+") {
                integral = false
                offset += 1
            } else {
                break
            }
        }
        let text = String(decoding: bytes[start..<offset], as: UTF8.self)
        if integral, let number = Int64(text) {
            return .integer(number)
        }
        guard !text.isEmpty, let number = Double(text) else {
            offset = start
            throw failure("expected a value")
        }
        return .double(number)
    }
}
