/// One challenge of a `WWW-Authenticate` header (RFC 7235): a scheme and its parameters,
/// such as `Bearer realm="https://auth.example/token",service="registry",scope="..."`.
struct AuthChallenge: Equatable, Sendable {
    enum Scheme: Equatable, Sendable {
        case basic
        case bearer
        case other(String)
    }

    var scheme: Scheme
    /// Parameter values by lowercased name.
    var parameters: [String: String]

    var realm: String? { parameters["realm"] }
    var service: String? { parameters["service"] }
    var scope: String? { parameters["scope"] }

    /// Parses every challenge in the header values (one header may carry several,
    /// separated by commas; a new challenge starts at a token not followed by `=`).
    static func parse(_ values: [String]) -> [AuthChallenge] {
        values.flatMap { parse(header: $0) }
    }

    private static func parse(header: String) -> [AuthChallenge] {
        var scanner = HeaderScanner(Array(header.utf8))
        var challenges: [AuthChallenge] = []
        while true {
            scanner.skip { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: ",") }
            let scheme = scanner.token()
            guard !scheme.isEmpty else { break }
            var challenge = AuthChallenge(scheme: Self.scheme(named: scheme), parameters: [:])
            // Parameters follow until a token that is not a `name=value` pair.
            while true {
                scanner.skip { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: ",") }
                let mark = scanner.position
                let name = scanner.token()
                scanner.skip { $0 == UInt8(ascii: " ") }
                guard !name.isEmpty, scanner.take(UInt8(ascii: "=")) else {
                    scanner.position = mark
                    break
                }
                scanner.skip { $0 == UInt8(ascii: " ") }
                challenge.parameters[name.lowercased()] = scanner.value()
            }
            challenges.append(challenge)
        }
        return challenges
    }

    private static func scheme(named name: String) -> Scheme {
        switch name.lowercased() {
        case "basic": .basic
        case "bearer": .bearer
        default: .other(name)
        }
    }
}

/// Reads tokens and quoted strings out of a header value.
private struct HeaderScanner {
    let bytes: [UInt8]
    var position = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func skip(while predicate: (UInt8) -> Bool) {
        while position < bytes.count && predicate(bytes[position]) {
            position += 1
        }
    }

    mutating func take(_ byte: UInt8) -> Bool {
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    /// An RFC 7230 token: up to a space, comma, `=` or quote.
    mutating func token() -> String {
        let start = position
        skip { byte in
            byte != UInt8(ascii: " ") && byte != UInt8(ascii: ",") && byte != UInt8(ascii: "=")
                && byte != UInt8(ascii: "\"")
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    /// A token or a quoted string with backslash escapes.
    mutating func value() -> String {
        guard take(UInt8(ascii: "\"")) else {
            return token()
        }
        var out: [UInt8] = []
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            if byte == UInt8(ascii: "\"") {
                break
            }
            if byte == UInt8(ascii: "\\"), position < bytes.count {
                out.append(bytes[position])
                position += 1
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
