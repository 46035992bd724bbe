import MonitorClient
import Testing

@Suite struct JSONValueTests {
    @Test func parsesWhatItEncodes() throws {
        let value = JSONValue.object([
            ("text", .string("a \"quoted\" line\n\u{1}\\ é 🎉")),
            ("number", .integer(-42)),
            ("ratio", .double(0.5)),
            ("flags", .array([.bool(true), .bool(false), .null])),
        ])
        #expect(try JSONValue.parse(value.encoded) == value)
        #expect(value.encoded.contains("\\u0001"))
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let value = try JSONValue.parse(#" {"a": "\u00e9\ud83c\udf89\/\t"} "#)
        #expect(value["a"]?.stringValue == "é🎉/\t")
    }

    @Test func refusesMalformedInput() {
        for text in ["{", "{\"a\" 1}", "[1,]", "\"open", "tru", "{} x", "01x",
                     String(repeating: "[", count: 100) + String(repeating: "]", count: 100)] {
            #expect(throws: JSONError.self, "\(text)") { try JSONValue.parse(text) }
        }
    }

    @Test func exitRecordsFollowTheShellConvention() {
        let exited = ExitRecord(pid: 10, waitStatus: 3 << 8, time: "t")
        #expect(exited.exitCode == 3 && exited.signal == 0)
        let killed = ExitRecord(pid: 10, waitStatus: 9, time: "t")
        #expect(killed.exitCode == 137 && killed.signal == 9)
        #expect(ExitRecord(json: killed.json) == killed)
    }

    @Test func framesCarryStreamAndLength() {
        #expect(MonitorProtocol.frameHeader(.standardError, length: 0x010203)
                == [2, 0, 0, 0, 0, 1, 2, 3])
    }
}
