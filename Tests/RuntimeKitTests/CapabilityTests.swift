import RuntimeKit
import SystemKit
import Testing

/// process.capabilities, read back from /proc/self/status inside the container. Runs
/// when runcs is built with RuntimeSupport.
@Suite
struct CapabilityTests {
    @Test func theDefaultSetsAreTheOnlyCapabilitiesLeft() throws {
        let container = try TestContainer(args: ["grep", "^Cap", "/proc/self/status"])
        defer { container.cleanUp() }
        let result = try container.run()
        #expect(result.status == 0, "\(result.error)")
        // CAP_KILL (5), CAP_NET_BIND_SERVICE (10), CAP_AUDIT_WRITE (29).
        let mask = "0000000020000420"
        let sets = result.output.split(separator: "\n").map { line in
            line.split(separator: "\t").map(String.init)
        }
        #expect(sets.first { $0.first == "CapBnd:" }?.last == mask)
        #expect(sets.first { $0.first == "CapEff:" }?.last == mask)
        #expect(sets.first { $0.first == "CapPrm:" }?.last == mask)
        // The default lists ambient capabilities but no inheritable ones, so the kernel
        // raises none; runc 1.1 ends the same way (with a warning), and so do we.
        #expect(sets.first { $0.first == "CapAmb:" }?.last == "0000000000000000")
        #expect(sets.first { $0.first == "CapInh:" }?.last == "0000000000000000")
    }
}
