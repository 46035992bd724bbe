import FoundationEssentials
import RuntimeKit
import Testing

/// The hand-written config.json reader agrees with Codable, and the JSON reader handles
/// what real files hold.
@Suite struct SpecJSONTests {
    /// A spec using every field runcs reads.
    static func fullSpec() -> Spec {
        var spec = Spec.makeDefault()
        spec.domainname = "example.test"
        spec.annotations = ["org.example/key": "välue \"quoted\""]
        spec.process?.consoleSize = Spec.ConsoleSize(height: 30, width: 100)
        spec.process?.user = Spec.User(uid: 1000, gid: 1000, umask: 0o027, additionalGids: [5, 6])
        spec.process?.oomScoreAdj = -17
        spec.process?.rlimits?.append(Spec.Rlimit(type: "RLIMIT_CORE", hard: UInt64.max,
                                                  soft: UInt64.max))
        spec.linux?.devices = [Spec.Device(type: "c", path: "/dev/fuse", major: 10, minor: 229,
                                           fileMode: 0o666, uid: 0, gid: 0)]
        spec.linux?.cgroupsPath = "/runcs/test"
        spec.linux?.resources?.memory = Spec.Memory(limit: 64 << 20, reservation: 32 << 20,
                                                    swap: -1)
        spec.linux?.resources?.cpu = Spec.CPU(shares: 512, quota: 50_000, period: 100_000,
                                              cpus: "0", mems: "0")
        spec.linux?.resources?.pids = Spec.Pids(limit: 64)
        spec.linux?.sysctl = ["net.ipv4.ip_forward": "1"]
        spec.linux?.rootfsPropagation = "rslave"
        spec.linux?.seccomp = .object(["defaultAction": .string("SCMP_ACT_ERRNO"),
                                       "syscalls": .array([])])
        return spec
    }

    @Test func theHandReaderMatchesCodableOnEveryField() throws {
        for spec in [Spec.makeDefault(), Spec.makeDefault(rootless: true), Self.fullSpec()] {
            let bytes = Array(try JSONEncoder().encode(spec))
            #expect(try Spec.parse(bytes) == spec)
            #expect(try JSONDecoder().decode(Spec.self, from: Data(bytes)) == spec)
            #expect(try Spec.parse(Array(spec.json.serialized(pretty: true).utf8)) == spec)
        }
    }

    @Test func wrongTypesAreNamedByTheirPath() {
        let text = #"{"ociVersion":"1.0.0","process":{"user":{"uid":"root","gid":0},"cwd":"/"}}"#
        let expected = RuntimeError(.invalidArgument, "process.user.uid must be an integer in range")
        #expect(throws: expected) {
            try Spec.parse(Array(text.utf8))
        }
        #expect(throws: RuntimeError.self) { try Spec.parse(Array("{\"ociVersion\":".utf8)) }
    }

    @Test func theJSONReaderHandlesEscapesUnicodeAndLargeNumbers() throws {
        let text = #"{"a":"tab\tquote\" \u00e9 \ud83d\ude00","#
            + #""b":[18446744073709551615,-5,1.5e3,true,null]}"#
        let value = try JSONValue.parse(Array(text.utf8))
        #expect(value["a"]?.string == "tab\tquote\" é 😀")
        #expect(value["b"]?.array?[0].integer(UInt64.self) == UInt64.max)
        #expect(value["b"]?.array?[1].integer(Int32.self) == -5)
        #expect(value["b"]?.array?[2].double == 1500)
        #expect(value["b"]?.array?[3] == .bool(true))
        #expect(try JSONValue.parse(Array(value.serialized().utf8)) == value)
    }
}
