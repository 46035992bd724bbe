import Testing
@testable import RuntimeSupport

@Suite struct ProfileJSONTests {
    @Test func parsesNestedDocumentKeepingLargeIntegers() throws {
        let text = #"{"a":[1,-2,18446744073709551615,1.5e3],"b":{"c":"x\"\u00e9\n"},"#
            + #""d":true,"e":null}"#
        let value = try ProfileJSON(parsing: Array(text.utf8))

        #expect(value["a"]?.array?.map(\.uint64) == [1, nil, UInt64.max, nil])
        #expect(value["a"]?.array?[1].int64 == -2)
        #expect(value["b"]?["c"]?.string == "x\"é\n")
        #expect(value["d"]?.bool == true)
        #expect(value["e"] == ProfileJSON.null)
    }

    @Test func reportsWhereMalformedInputStops() {
        #expect(throws: ProfileJSONError(offset: 7, reason: "expected ',' or '}'")) {
            try ProfileJSON(parsing: Array(#"{"a":1 "b":2}"#.utf8))
        }
        #expect(throws: ProfileJSONError(offset: 3, reason: "unexpected content after the value")) {
            try ProfileJSON(parsing: Array("[] x".utf8))
        }
    }
}
