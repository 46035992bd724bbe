import RuntimeKit
import SystemKit
import Testing

/// process.capabilities, read back from /proc/self/status inside the container.
@Suite
struct CapabilityTests {
    @Test func ambientCapabilitiesThatAreAlsoInheritableAreRaised() throws {
        let container = try TestContainer(args: ["grep", "^CapAmb", "/proc/self/status"])
        defer { container.cleanUp() }
        let kill = ["CAP_KILL"]
        container.spec.process?.user = Spec.User(uid: 1000, gid: 1000)
        container.spec.process?.capabilities = Spec.Capabilities(
            bounding: kill, effective: kill, inheritable: kill, permitted: kill, ambient: kill)
        let result = try container.run()
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output == "CapAmb:\t0000000000000020\n")
    }

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
        #expect(sets.first { $0.first == "CapAmb:" }?.last == "0000000000000000")
        #expect(!result.error.contains("warning"), "\(result.error)")
        #expect(sets.first { $0.first == "CapInh:" }?.last == "0000000000000000")
    }
}

/// linux.seccomp, with and without no_new_privs.
@Suite
struct ContainerSeccompTests {
    @Test(arguments: [true, false])
    func aBlockedCallFailsWithTheErrnoTheProfileNames(noNewPrivileges: Bool) throws {
        let script = "mkdir /tmp/blocked 2>&1; echo done"
        let container = try TestContainer(args: ["sh", "-c", script])
        defer { container.cleanUp() }
        container.spec.process?.noNewPrivileges = noNewPrivileges
        container.spec.mounts?.append(Spec.Mount(destination: "/tmp", type: "tmpfs",
                                                 source: "tmpfs"))
        container.spec.linux?.seccomp = TestContainer.mkdirRefusingProfile
        let result = try container.run()
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("Operation not permitted"))
        #expect(result.output.hasSuffix("done\n"))
    }

    /// A name Linux does not define is an error, in config.json and in `exec --cap`.
    @Test func anUnknownCapabilityNameIsRefused() throws {
        let container = try TestContainer(args: ["sleep", "300"])
        defer { container.cleanUp() }
        container.spec.process?.capabilities?.bounding?.append("CAP_TEST")
        let refused = try container.run()
        #expect(refused.status != 0)
        #expect(refused.error.contains(
            "process.capabilities.bounding: unknown capability \"CAP_TEST\""), "\(refused.error)")

        container.spec.process?.capabilities?.bounding?.removeLast()
        let id = container.makeID("capname")
        let started = try container.runcs(["run", "-d", "-b", container.bundle, id])
        try #require(started.status == 0, "\(started.error)")
        let exec = try container.runcs(["exec", "--cap", "CAP_NONSENSE", id, "true"])
        #expect(exec.status == 255)
        #expect(exec.error.contains("unknown capability \"CAP_NONSENSE\""), "\(exec.error)")
    }
}
