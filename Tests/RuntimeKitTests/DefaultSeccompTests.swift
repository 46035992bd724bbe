import RuntimeKit
import RuntimeSupport
import Testing

/// The default seccomp profile (what contaird gives every container unless privileged)
/// attacked from inside an Alpine container by busybox commands, with CAP_SYS_ADMIN
/// granted so that only the filter stands in the way; the same commands without the
/// filter show that it is the filter that refuses them.
@Suite struct DefaultSeccompTests {
    static let script = """
        unshare -m true 2>&1 && echo unshare=allowed
        mount -t tmpfs none /mnt 2>&1 && echo mount=allowed
        nsenter -t 1 -u true 2>&1 && echo nsenter=allowed
        """

    func run(seccomp: Bool) throws -> CommandResult {
        let container = try TestContainer.alpine(args: ["sh", "-c", Self.script])
        defer { container.cleanUp() }
        let granted = ["CAP_SYS_ADMIN", "CAP_SYS_CHROOT", "CAP_SETUID", "CAP_SETGID"]
        container.spec.process?.capabilities = Spec.Capabilities(
            bounding: granted, effective: granted, permitted: granted)
        if seccomp {
            container.spec.linux?.seccomp = try JSONValue.parse(Seccomp.defaultProfileJSON)
        }
        return try container.run()
    }

    @Test func mountUnshareAndSetnsAreRefusedEvenWithCapSysAdmin() throws {
        let filtered = try run(seccomp: true)
        #expect(!filtered.output.contains("allowed"), "\(filtered.output)")
        // busybox's mount words EPERM as "permission denied (are you root?)".
        let refusals = filtered.output.split(separator: "\n").filter {
            $0.contains("Operation not permitted") || $0.contains("permission denied")
        }
        #expect(refusals.count == 3, "[\(filtered.output)] [\(filtered.error)]")

        let unfiltered = try run(seccomp: false)
        #expect(unfiltered.output.split(separator: "\n").filter { $0.hasSuffix("=allowed") }
            == ["unshare=allowed", "mount=allowed", "nsenter=allowed"],
                "\(unfiltered.output) \(unfiltered.error)")
    }
}
