import Glibc
import Testing
@testable import RuntimeSupport

/// Capability names, and the sets applied for real in the probe process.
@Suite struct CapabilitiesTests {
    /// The "CapXxx:" lines of the probe's output as numbers.
    static func masks(_ output: String) -> [String: UInt64] {
        var result: [String: UInt64] = [:]
        for line in output.split(separator: "\n") where line.hasPrefix("Cap") {
            let parts = line.split(separator: ":")
            if parts.count == 2 {
                result[String(parts[0])] = UInt64(parts[1].trimmingCharacters(), radix: 16)
            }
        }
        return result
    }

    @Test func namesResolveWithOrWithoutPrefixInAnyCase() {
        #expect(Capabilities.number(named: "CAP_KILL") == 5)
        #expect(Capabilities.number(named: "kill") == 5)
        #expect(Capabilities.number(named: "Cap_Sys_Admin") == 21)
        #expect(Capabilities.number(named: "CAP_CHECKPOINT_RESTORE") == 40)
        #expect(Capabilities.number(named: "CAP_NOT_A_THING") == nil)
        #expect(Capabilities.names(inMask: 0xa0) == ["CAP_KILL", "CAP_SETUID"])
    }

    @Test func allListsWhatTheKernelKnows() throws {
        let last = try TestSupport.readFile("/proc/sys/kernel/cap_last_cap")
        let expected = Int(last.dropLast().description)! + 1
        #expect(Capabilities.all.count == min(expected, 41))
        #expect(Capabilities.all.first == "CAP_CHOWN")
    }

    @Test func appliesExactSetsAsRoot() throws {
        let run = try TestSupport.runProbe([
            "caps", "CAP_KILL,CAP_SETUID", "CAP_KILL", "-", "CAP_KILL,CAP_SETUID", "-",
        ])

        #expect(run.status == 0, "\(run.output)")
        let masks = Self.masks(run.output)
        #expect(masks["CapBnd"] == 0xa0)
        #expect(masks["CapPrm"] == 0xa0)
        #expect(masks["CapEff"] == 0x20)
        #expect(masks["CapInh"] == 0)
        #expect(masks["CapAmb"] == 0)
    }

    @Test func ambientCapabilitySurvivesSetuidAndExec() throws {
        let bind = "CAP_NET_BIND_SERVICE"
        let run = try TestSupport.runProbe([
            "caps", "CAP_KILL," + bind, bind, bind, bind, bind, "--user", "65534",
            "--", "/bin/grep", "Cap", "/proc/self/status",
        ])

        #expect(run.status == 0, "\(run.output)")
        // grep runs as nobody with no file capabilities: only the ambient set carries
        // CAP_NET_BIND_SERVICE (bit 10) into its effective set.
        let masks = Self.masks(run.output)
        #expect(masks["CapAmb"] == 0x400)
        #expect(masks["CapEff"] == 0x400)
        #expect(masks["CapPrm"] == 0x400)
        #expect(masks["CapBnd"] == 0x420)
    }

    @Test func unknownNamesAndUnraisableAmbientOnesAreWarningsNotFailures() throws {
        var warnings: [String] = []
        let mask = Capabilities.mask(["CAP_KILL", "CAP_BOGUS"], upTo: 40, warnings: &warnings)
        #expect(mask == 0x20)
        #expect(warnings == ["unknown capability \"CAP_BOGUS\" ignored"])

        // CAP_KILL ambient without being inheritable: the kernel refuses to raise it.
        let run = try TestSupport.runProbe([
            "caps", "CAP_KILL,CAP_BOGUS", "CAP_KILL", "-", "CAP_KILL,CAP_BOGUS", "CAP_KILL",
        ])

        #expect(run.status == 0, "\(run.output)")
        let lines = run.output.split(separator: "\n").filter { $0.hasPrefix("warning:") }
        #expect(
            lines == [
                "warning: unknown capability \"CAP_BOGUS\" ignored",
                "warning: ambient capability CAP_KILL not raised: Operation not permitted"
                    + " (an ambient capability must also be permitted and inheritable)",
            ])
        let masks = Self.masks(run.output)
        #expect(masks["CapBnd"] == 0x20)
        #expect(masks["CapEff"] == 0x20)
        #expect(masks["CapAmb"] == 0)
    }

    /// A capability the test process does not hold cannot be granted; the error names it.
    /// Runs only where such a capability exists (here: CAP_SYS_RESOURCE is withheld).
    @Test func capabilityNotHeldIsRefusedByName() throws {
        let held = try Capabilities.current().permitted
        let missing = Capabilities.all.first { name in
            held & (1 << UInt64(Capabilities.number(named: name)!)) == 0
        }
        guard let missing else { return }

        let run = try TestSupport.runProbe(["caps", "CAP_KILL", missing, "-", missing, "-"])

        #expect(run.status != 0)
        #expect(run.output.contains("capset \(missing): Operation not permitted"), "\(run.output)")
    }
}
