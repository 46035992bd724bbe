import Glibc
import RuntimeKit
import SystemKit
import Testing

/// Where the seccomp filter goes in the init. Without no_new_privs it must be loaded
/// while the init still holds CAP_SYS_ADMIN, so before the change of user; everything
/// the init does after it must be what any profile allows, since profiles written for
/// older runtimes know nothing of openat2, faccessat2 or close_range. A profile that
/// refuses exactly those three stands for such a profile here.
@Suite struct SeccompOrderTests {
    static let newerCalls: JSONValue = .object([
        "defaultAction": .string("SCMP_ACT_ALLOW"),
        "architectures": .array([.string("SCMP_ARCH_X86_64")]),
        "syscalls": .array([.object([
            "names": .array(["openat2", "faccessat2", "close_range"].map { .string($0) }),
            "action": .string("SCMP_ACT_ERRNO"),
        ])]),
    ])

    func container(_ script: String, noNewPrivileges: Bool) throws -> TestContainer {
        let container = try TestContainer(args: ["sh", "-c", script])
        container.spec.linux?.seccomp = Self.newerCalls
        container.spec.process?.noNewPrivileges = noNewPrivileges
        return container
    }

    @Test(arguments: [false, true])
    func aProfileWithoutTheNewerCallsStillRunsTheProcess(noNewPrivileges: Bool) throws {
        let container = try container("echo started; pwd", noNewPrivileges: noNewPrivileges)
        defer { container.cleanUp() }
        container.spec.process?.cwd = "/tmp"

        let result = try container.run()

        #expect(result.status == 0, "\(result.error)")
        #expect(result.output == "started\n/tmp\n")
    }

    @Test func execUnderSuchAProfileRunsToo() throws {
        let container = try container("sleep 100", noNewPrivileges: false)
        defer { container.cleanUp() }
        let id = container.makeID("order")
        let started = try container.runcs(["run", "--detach", "--bundle", container.bundle, id])
        try #require(started.status == 0, "\(started.error)")

        let exec = try container.runcs(["exec", "--cwd", "/tmp", id, "sh", "-c", "pwd"])

        #expect(exec.status == 0, "\(exec.error)")
        #expect(exec.output == "/tmp\n")
    }

    /// A working directory only root may enter is entered before the change of user,
    /// as runc does, so a process whose user could not reach it still starts there.
    @Test func aWorkingDirectoryTheUserCannotEnterIsEnteredAsRoot() throws {
        let container = try TestContainer(args: ["sh", "-c", "id -u; pwd"])
        defer { container.cleanUp() }
        try FileSystem.createDirectory(container.rootfs + "/private")
        chmod(container.rootfs + "/private", 0o700)
        container.spec.process?.cwd = "/private"
        container.spec.process?.user = Spec.User(uid: 42, gid: 42)

        let result = try container.run()

        #expect(result.status == 0, "\(result.error)")
        #expect(result.output == "42\n/private\n")
    }

    /// startContainer hooks run in the container under its filter, as its process will
    /// (with no_new_privs the filter waits for `start`, and still comes before them).
    @Test(arguments: [false, true])
    func startContainerHooksRunUnderTheFilter(noNewPrivileges: Bool) throws {
        let container = try TestContainer(args: ["true"])
        defer { container.cleanUp() }
        container.spec.process?.noNewPrivileges = noNewPrivileges
        container.spec.linux?.seccomp = .object([
            "defaultAction": .string("SCMP_ACT_ALLOW"),
            "syscalls": .array([.object([
                "names": .array([.string("mkdir"), .string("mkdirat")]),
                "action": .string("SCMP_ACT_KILL"),
            ])]),
        ])
        container.spec.hooks = Spec.Hooks(startContainer: [
            Spec.Hook(path: "/bin/sh", args: ["sh", "-c", "mkdir /tmp/hook-made"]),
        ])

        let result = try container.run()

        #expect(result.status != 0)
        #expect(result.error.contains("error running hook"), "\(result.error)")
        #expect(result.error.contains("killed by signal \(SIGSYS) (bad system call)"))
    }
}
