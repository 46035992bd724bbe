/// A content address such as `sha256:2c26b4...`: an algorithm and a lowercase hex value.
public struct Digest: Hashable, Sendable, Codable, CustomStringConvertible,
    LosslessStringConvertible
{
    public let algorithm: String
    public let hex: String

    /// Parses `algorithm:hex`; only sha256 (64 hex digits) and sha512 (128) are accepted.
    public init?(_ text: String) {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let algorithm = String(text[..<colon])
        let hex = String(text[text.index(after: colon)...])
        let length: Int
        switch algorithm {
        case "sha256": length = 64
        case "sha512": length = 128
        default: return nil
        }
        guard hex.utf8.count == length,
            hex.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else { return nil }
        self.algorithm = algorithm
        self.hex = hex
    }

    public var description: String { "\(algorithm):\(hex)" }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let digest = Digest(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "invalid digest \"\(text)\""))
        }
        self = digest
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// The sha256 digest of `bytes`.
    public static func sha256<Bytes: Collection>(of bytes: Bytes) -> Digest
    where Bytes.Element == UInt8 {
        var hasher = SHA256Hasher()
        hasher.update(Array(bytes))
        return hasher.finish()
    }
}
