import Testing
import JSON

/// Base64 (RFC 4648) and the sorted-key JSON text the daemon stores and hashes.
@Suite struct Base64Tests {
    @Test func rfc4648Examples() {
        let examples = [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"),
                        ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")]
        for (plain, encoded) in examples {
            #expect(Base64.encode(Array(plain.utf8)) == encoded)
            #expect(Base64.decode(encoded) == Array(plain.utf8), "\(encoded)")
        }
    }

    @Test func everyByteRoundTrips() {
        let bytes = (0..<256).map { UInt8($0) } + [0xff, 0x00, 0xfe]
        for length in 0...bytes.count {
            let prefix = Array(bytes.prefix(length))
            #expect(Base64.decode(Base64.encode(prefix)) == prefix, "length \(length)")
        }
    }

    @Test func malformedTextIsRefused() {
        for text in ["Zg", "Zg=", "Z===", "Zm9v!", "Zm=v", "Zm9vYg=a", "====", "Zm9 "] {
            #expect(Base64.decode(text) == nil, "\(text)")
        }
    }

    @Test func sortedKeysGiveTheSameBytesWhateverTheOrder() throws {
        struct Inner: Encodable { var zeta = 1; var alpha = "a/b" }
        struct Outer: Encodable { var mediaType = "m"; var config = Inner(); var Layers = [1] }
        let text = String(decoding: try JSONValueEncoder().encodeText(Outer(), sortedKeys: true),
                          as: UTF8.self)
        #expect(text == #"{"Layers":[1],"config":{"alpha":"a/b","zeta":1},"mediaType":"m"}"#)
        let parsed = try JSONValueDecoder().decode([String: JSONValue].self,
                                                   fromText: Array(text.utf8))
        #expect(parsed["mediaType"] == .string("m"))
    }
}
