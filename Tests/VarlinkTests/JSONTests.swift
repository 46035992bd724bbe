import Testing
@testable import JSON
@testable import Varlink

@Suite struct JSONTests {
    func roundTrip(_ text: String) throws -> String {
        try JSONParser.parse(text).jsonText
    }

    @Test func compactTextRoundTripsUnchanged() throws {
        let texts = [
            #"{"b":1,"a":[true,false,null],"c":{"z":"y","x":-0.5}}"#,
            #"[]"#, #"{}"#, #""""#, #"[[[[]]]]"#,
            #"{"nested":{"deeper":{"list":[1,2.5,"three",{"four":4}]}}}"#,
        ]
        for text in texts {
            #expect(try roundTrip(text) == text)
        }
    }

    @Test func integersAndFloatsStayApart() throws {
        #expect(try JSONParser.parse("1") == .int(1))
        #expect(try JSONParser.parse("1.0") == .double(1.0))
        #expect(try JSONParser.parse("1e2") == .double(100))
        #expect(try JSONParser.parse("-0") == .int(0))
        #expect(JSONValue.double(1.0).jsonText == "1.0")
        #expect(JSONValue.int(1).jsonText == "1")
        #expect(JSONValue.double(3.141592653589793).jsonText == "3.141592653589793")
        #expect(JSONValue.double(.infinity).jsonText == "null")
    }

    @Test func bigIntegersAreExactToTheLimitsOfInt64() throws {
        #expect(try JSONParser.parse("9223372036854775807") == .int(Int64.max))
        #expect(try JSONParser.parse("-9223372036854775808") == .int(Int64.min))
        #expect(try roundTrip("-9223372036854775808") == "-9223372036854775808")
        // Beyond 64 bits a number can only be a float.
        #expect(try JSONParser.parse("9223372036854775808") == .double(9223372036854775808))
        #expect(try JSONParser.parse("123456789012345678901234567890")
            == .double(1.2345678901234568e29))
    }

    @Test func floatsRoundTripExactly() throws {
        let values = [0.1, Double.leastNonzeroMagnitude, 1e-7, 1.7976931348623157e308,
                      -2.5e-10, 123456.789]
        for value in values {
            let parsed = try JSONParser.parse(JSONValue.double(value).jsonText)
            #expect(parsed == .double(value))
        }
    }

    @Test func unicodeEscapesDecode() throws {
        #expect(try JSONParser.parse(#""caf\u00e9""#) == .string("café"))
        #expect(try JSONParser.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try JSONParser.parse(#""a\"b\\c\/d\b\f\n\r\t""#)
            == .string("a\"b\\c/d\u{08}\u{0C}\n\r\t"))
        #expect(try JSONParser.parse("\"ünïcødé 😀\"") == .string("ünïcødé 😀"))
    }

    @Test func stringsSerializeWithEscapes() throws {
        let text = "quote\" backslash\\ newline\n tab\t bell\u{07} é 😀"
        let serialized = JSONValue.string(text).jsonText
        #expect(serialized == #""quote\" backslash\\ newline\n tab\t bell\u0007 é 😀""#)
        #expect(try JSONParser.parse(serialized) == .string(text))
    }

    @Test func objectsKeepKeyOrderAndTheLastDuplicate() throws {
        let object = try #require(try JSONParser.parse(#"{"z":1,"a":2,"m":3,"a":4}"#)
            .objectValue)
        #expect(object.keys == ["z", "a", "m"])
        #expect(object["a"] == .int(4))
        var edited = object
        edited["z"] = nil
        #expect(JSONValue.object(edited).jsonText == #"{"a":4,"m":3}"#)
    }

    @Test func malformedTextIsRefusedWithItsOffset() throws {
        let cases: [(String, String)] = [
            ("[1,]", "unexpected character"), ("{\"a\":1,}", "expected a string"),
            ("01", "leading zero"), ("1.", "after '.'"), ("\"a\u{01}\"", "control"),
            ("\"\\ud800\"", "surrogate"), ("\"\\x\"", "invalid escape"), ("tru", "end"),
            ("{} {}", "after the JSON value"), ("", "end of input"), ("\"open", "unterminated"),
            ("{\"a\" 1}", "':'"), ("nul", "end"), ("-", "digit"), ("1e", "exponent"),
        ]
        for (text, reason) in cases {
            #expect(throws: JSONParseError.self, "\(text)") { try JSONParser.parse(text) }
            do {
                _ = try JSONParser.parse(text)
            } catch {
                #expect(error.reason.contains(reason), "\(text): \(error)")
            }
        }
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }
    }

    @Test func deepNestingIsRefusedNotFollowed() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
        let fine = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(try JSONParser.parse(fine).arrayValue?.count == 1)
    }

    struct Mount: Codable, Equatable {
        var type: String
        var source: String
        var options: [String]
    }

    struct Spec: Codable, Equatable {
        var image: String
        var args: [String]?
        var memory: Int64?
        var cpus: Double
        var tty: Bool
        var mounts: [Mount]
        var labels: [String: String]
        var extra: JSONValue
    }

    @Test func codableValuesBridgeBothWays() throws {
        let spec = Spec(image: "alpine", args: nil, memory: Int64.max, cpus: 1.5, tty: true,
                        mounts: [Mount(type: "bind", source: "/a", options: ["rbind", "ro"])],
                        labels: ["k": "v"], extra: ["free": [1, "form"]])
        let json = try JSONValueEncoder().encode(spec)
        let object = try #require(json.objectValue)
        #expect(object.keys == ["image", "memory", "cpus", "tty", "mounts", "labels", "extra"])
        #expect(object["args"] == nil)
        #expect(object["memory"] == .int(Int64.max))
        #expect(object["cpus"] == .double(1.5))
        let back = try JSONValueDecoder().decode(Spec.self, from: json)
        #expect(back == spec)

        // Through text and back, with a null where the optional is.
        let text = #"{"image":"a","args":null,"cpus":2,"tty":false,"mounts":[],"labels":{},"#
            + #""extra":null}"#
        let decoded = try JSONValueDecoder().decode(Spec.self, from: try JSONParser.parse(text))
        #expect(decoded.args == nil && decoded.cpus == 2.0 && decoded.extra == .null)
    }

    @Test func decodingFailuresNameTheField() throws {
        let text = #"{"image":"a","cpus":1,"tty":true,"#
            + #""mounts":[{"type":"bind","source":7,"options":[]}],"labels":{},"extra":{}}"#
        let call = VarlinkCall(method: "x.y.Z", parameters: try #require(
            try JSONParser.parse(text).objectValue),
            peer: PeerCredentials(pid: 1, uid: 0, gid: 0, groups: []))
        #expect(throws: VarlinkError.invalidParameter("mounts[0].source")) {
            try call.decodeParameters(Spec.self)
        }
        var missing = call.parameters
        missing["image"] = nil
        let second = VarlinkCall(method: "x.y.Z", parameters: missing, peer: call.peer)
        #expect(throws: VarlinkError.invalidParameter("image")) {
            try second.decodeParameters(Spec.self)
        }
    }
}
