@testable import RuntimeKit
import SystemKit
import Testing

/// Settings that belong to a namespace (hostname, domainname, sysctls) are refused when
/// the container does not have that namespace of its own, and sysctls of the whole kernel
/// always: written from the init they would change the host. Each refused case runs in
/// namespaces `unshare` makes for it, so that a regression changes only those.
@Suite struct HostSettingsTests {
    /// `runcs run` of `container` inside new namespaces of `unshareFlags`.
    func runUnshared(_ container: TestContainer, _ unshareFlags: [String]) throws
        -> CommandResult
    {
        try container.writeSpec()
        return try TestContainer.execute(["/usr/bin/unshare"] + unshareFlags
            + [TestContainer.runcsPath, "--root", container.stateRoot, "run", "--bundle",
               container.bundle, container.makeID("host")])
    }

    func without(_ type: String, _ container: TestContainer) {
        container.spec.linux?.namespaces?.removeAll { $0.type == type }
    }

    @Test func aHostnameOrDomainnameWithoutAUTSNamespaceIsRefused() throws {
        let script = "hostname; cat /proc/sys/kernel/domainname"
        for field in ["hostname", "domainname"] {
            let container = try TestContainer(args: ["sh", "-c", script])
            defer { container.cleanUp() }
            without("uts", container)
            container.spec.hostname = field == "hostname" ? "container-name" : nil
            container.spec.domainname = field == "domainname" ? "container.example" : nil
            let result = try runUnshared(container, ["--uts"])
            #expect(result.status != 0)
            #expect(result.error.contains("\(field) needs a UTS namespace"), "\(result.error)")
            #expect(result.output.isEmpty)
        }
    }

    @Test func aSysctlIsRefusedWithoutItsNamespaceOrOutsideAnyNamespace() throws {
        let cases: [(key: String, value: String, missing: String?, unshare: String)] = [
            ("net.ipv4.ping_group_range", "7 7", "network", "--net"),
            ("kernel.msgmax", "4096", "ipc", "--ipc"),
            ("kernel.domainname", "sysctl.example", "uts", "--uts"),
            ("vm.swappiness", "60", nil, "--uts"),
            ("kernel/core_pattern", "core", nil, "--uts"),
        ]
        for item in cases {
            let container = try TestContainer(args: ["true"])
            defer { container.cleanUp() }
            if let missing = item.missing {
                without(missing, container)
            }
            container.spec.hostname = nil
            container.spec.linux?.sysctl = [item.key: item.value]
            let result = try runUnshared(container, [item.unshare])
            #expect(result.status != 0, "\(item.key)")
            let expected = item.missing.map { "needs a \($0) namespace" }
                ?? "belongs to no namespace"
            #expect(result.error.contains("sysctl \"\(item.key)\" \(expected)"),
                    "\(result.error)")
        }
    }

    @Test func sysctlsOfTheContainersOwnNamespacesAreSet() throws {
        let script = "cat /proc/sys/net/ipv4/ping_group_range /proc/sys/kernel/msgmax "
            + "/proc/sys/fs/mqueue/msg_max; hostname"
        let container = try TestContainer(args: ["sh", "-c", script])
        defer { container.cleanUp() }
        container.spec.hostname = "settings-box"
        container.spec.linux?.sysctl = ["net.ipv4.ping_group_range": "7 7",
                                        "kernel.msgmax": "4096", "fs.mqueue.msg_max": "20"]
        let result = try container.run()
        #expect(result.status == 0, "\(result.error)")
        let lines = result.output.split(separator: "\n").map {
            $0.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        }
        #expect(lines == ["7 7", "4096", "20", "settings-box"])
    }

    @Test func aNamespaceJoinedByPathCountsOnlyWhenItIsNotOurs() throws {
        var spec = Spec.makeDefault()
        spec.linux?.namespaces = [Spec.Namespace(type: "mount"),
                                  Spec.Namespace(type: "uts", path: "/proc/self/ns/uts")]
        #expect(!Runtime.hasOwnNamespace("uts", in: spec))
        #expect(throws: RuntimeError.self) { try Runtime.validateNamespacedSettings(spec) }

        spec.linux?.namespaces = [Spec.Namespace(type: "mount"), Spec.Namespace(type: "uts")]
        #expect(Runtime.hasOwnNamespace("uts", in: spec))
        #expect(!Runtime.hasOwnNamespace("network", in: spec))
    }

    @Test func eachSysctlIsPlacedInItsNamespace() {
        #expect(Runtime.sysctlNamespace("net.ipv4.ip_forward") == "network")
        #expect(Runtime.sysctlNamespace("net/core/somaxconn") == "network")
        #expect(Runtime.sysctlNamespace("kernel.shm_rmid_forced") == "ipc")
        #expect(Runtime.sysctlNamespace("fs.mqueue.queues_max") == "ipc")
        #expect(Runtime.sysctlNamespace("kernel.hostname") == "uts")
        #expect(Runtime.sysctlNamespace("kernel.pid_max") == nil)
        #expect(Runtime.sysctlNamespace("fs.file-max") == nil)
        #expect(Runtime.sysctlNamespace("kernel") == nil)
        #expect(Runtime.sysctlNamespace("") == nil)
    }
}
