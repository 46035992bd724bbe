import Glibc
import RuntimeKit
import SystemKit
import Testing

/// Each OCI feature, checked from inside a busybox container.
@Suite struct IsolationTests {
    /// Runs `script` with `sh -c` in a container shaped by `configure`; its output.
    func inside(_ script: String, _ configure: (inout Spec) -> Void = { _ in })
        throws -> CommandResult
    {
        let container = try TestContainer(args: ["sh", "-c", script])
        defer { container.cleanUp() }
        configure(&container.spec)
        return try container.run()
    }

    @Test func theProcessIsPID1WithItsHostnameAndDomainname() throws {
        let result = try inside("echo $$; hostname; cat /proc/sys/kernel/domainname") { spec in
            spec.hostname = "box-one"
            spec.domainname = "example.test"
        }
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output == "1\nbox-one\nexample.test\n")
    }

    @Test func userGroupsUmaskAndNoNewPrivileges() throws {
        let script = "id; umask; grep NoNewPrivs /proc/self/status"
        let result = try inside(script) { spec in
            spec.process?.user = Spec.User(uid: 1000, gid: 1001, umask: 0o027,
                                           additionalGids: [2000, 2001])
            spec.process?.noNewPrivileges = true
        }
        #expect(result.status == 0, "\(result.error)")
        let lines = result.output.split(separator: "\n")
        #expect(lines.first == "uid=1000 gid=1001 groups=2000,2001")
        #expect(lines.dropFirst().first == "0027")
        #expect(lines.last?.hasSuffix("1") == true)
    }

    @Test func rlimitsOOMScoreAndSysctl() throws {
        let script = "ulimit -n; cat /proc/self/oom_score_adj; cat /proc/sys/net/ipv4/ip_forward"
        let result = try inside(script) { spec in
            spec.process?.rlimits = [Spec.Rlimit(type: "RLIMIT_NOFILE", hard: 512, soft: 256)]
            spec.process?.oomScoreAdj = 321
            spec.linux?.sysctl = ["net.ipv4.ip_forward": "1"]
        }
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output == "256\n321\n1\n")
    }

    @Test func readonlyRootMaskedAndReadonlyPaths() throws {
        let script = """
            touch /file 2>/dev/null && echo root-writable || echo root-ro
            touch /tmp/x 2>/dev/null && echo tmp-writable || echo tmp-ro
            cat /proc/timer_list | head -c 10 | wc -c
            ls /sys/firmware | wc -l
            echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null && echo sys-writable || echo sys-ro
            mount | grep ' / ' | grep -c ro,
            """
        let result = try inside(script) { spec in
            spec.mounts?.append(Spec.Mount(destination: "/tmp", type: "tmpfs", source: "tmpfs"))
        }
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output == "root-ro\ntmp-writable\n0\n0\nsys-ro\n1\n")
    }

    @Test func bindMountsWithOptionsAndFileTargets() throws {
        let host = try TestContainer.temporaryDirectory(prefix: "runcs-bind")
        defer { try? FileSystem.removeTree(host) }
        try FileSystem.writeAtomically("\(host)/data", text: "from-host\n")
        let script = """
            cat /mnt/data; cat /etc/data-file
            touch /mnt/new 2>/dev/null && echo writable || echo ro
            mount | grep ' /mnt ' | grep -c nosuid
            """
        let result = try inside(script) { spec in
            spec.mounts?.append(Spec.Mount(destination: "/mnt", type: "bind", source: host,
                                           options: ["rbind", "ro", "nosuid", "rprivate"]))
            spec.mounts?.append(Spec.Mount(destination: "/etc/data-file", type: "none",
                                           source: "\(host)/data", options: ["bind"]))
        }
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output == "from-host\nfrom-host\nro\n1\n")
        #expect(!FileSystem.exists("\(host)/new"))
    }

    @Test func defaultAndListedDevicesAndDevLinks() throws {
        let script = """
            echo x > /dev/null && echo null-ok
            head -c 4 /dev/zero | wc -c
            stat -c '%t:%T %a' /dev/extra-null
            readlink /dev/fd; readlink /dev/ptmx
            """
        let result = try inside(script) { spec in
            spec.linux?.devices = [Spec.Device(type: "c", path: "/dev/extra-null", major: 1,
                                               minor: 3, fileMode: 0o600, uid: 0, gid: 0)]
        }
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output == "null-ok\n4\n1:3 600\n/proc/self/fd\npts/ptmx\n")
    }

    @Test func noPivotEntersTheRootWithMoveAndChroot() throws {
        let container = try TestContainer(args: ["sh", "-c", "ls /bin/busybox; echo $$"])
        defer { container.cleanUp() }
        let result = try container.runcs(["run", "--no-pivot", "--bundle", container.bundle,
                                          container.makeID("nopivot")])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output == "/bin/busybox\n1\n")
    }

    @Test func joinsAnExistingNamespaceByPath() throws {
        let first = try TestContainer(args: ["sleep", "30"])
        defer { first.cleanUp() }
        first.spec.hostname = "shared-uts"
        let id = first.makeID("uts-owner")
        #expect(try first.runcs(["run", "-d", "-b", first.bundle, id]).status == 0)
        let pid = try first.initPID(id)

        let result = try inside("hostname") { spec in
            spec.hostname = nil
            let namespaces = spec.linux?.namespaces ?? []
            spec.linux?.namespaces = namespaces.map { namespace in
                namespace.type == "uts" ? Spec.Namespace(type: "uts", path: "/proc/\(pid)/ns/uts")
                    : namespace
            }
        }
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output == "shared-uts\n")
    }
}
