import Glibc
import RuntimeKit
import SystemKit
import Testing

/// What runcs refuses before it makes anything, what it makes where runc does (a missing
/// working directory), and state it cannot read, which it leaves for a person to handle.
@Suite struct ConfigValidationTests {
    @Test func aMissingWorkingDirectoryIsMadeInTheRootfs() throws {
        let container = try TestContainer(args: ["sh", "-c", "pwd; stat -c '%a %u' ."])
        defer { container.cleanUp() }
        container.spec.process?.cwd = "/work/dir"
        container.spec.root?.readonly = true

        let result = try container.run()
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output == "/work/dir\n755 0\n")
    }

    @Test func processesThatExecCannotRunAsWrittenAreRefused() throws {
        let cases: [(change: (inout Spec.Process) -> Void, message: String)] = [
            ({ $0.cwd = "tmp" }, "process.cwd \"tmp\" must be an absolute path"),
            ({ $0.args = ["echo", "cut\u{0}short"] }, "process.args[1] contains a NUL byte"),
            ({ $0.env = ["A=1", "B=\u{0}"] }, "process.env[1] contains a NUL byte"),
            ({ $0.args = [] }, "process.args must not be empty"),
        ]
        for item in cases {
            let container = try TestContainer(args: ["echo", "ran"])
            defer { container.cleanUp() }
            if var process = container.spec.process {
                item.change(&process)
                container.spec.process = process
            }
            let result = try container.run()
            #expect(result.status != 0)
            #expect(result.error.contains(item.message), "\(result.error)")
            #expect(result.output.isEmpty)
        }
    }

    @Test func anExecWithARelativeCwdIsRefused() throws {
        let container = try TestContainer(args: ["sleep", "300"])
        defer { container.cleanUp() }
        let id = try container.runDetached("execcwd")
        let result = try container.runcs(["exec", "--cwd", "tmp", id, "pwd"])
        #expect(result.status == 255)
        #expect(result.error.contains("exec: process.cwd \"tmp\" must be an absolute path"))
    }

    @Test func aNamespaceListedTwiceIsRefused() throws {
        let container = try TestContainer(args: ["true"])
        defer { container.cleanUp() }
        container.spec.linux?.namespaces?.append(Spec.Namespace(type: "pid"))
        let result = try container.run()
        #expect(result.status != 0)
        #expect(result.error.contains("linux.namespaces lists \"pid\" more than once"),
                "\(result.error)")
    }

    @Test func aConsoleSocketWithoutATerminalIsRefused() throws {
        let container = try TestContainer(args: ["true"])
        defer { container.cleanUp() }
        let socket = "\(container.directory)/console.sock"
        let result = try container.runcs(["create", "--console-socket", socket, "-b",
                                          container.bundle, container.makeID("console")])
        #expect(result.status != 0)
        #expect(result.error.contains("--console-socket needs process.terminal"),
                "\(result.error)")
        #expect(((try? FileSystem.listDirectory(container.stateRoot)) ?? []).isEmpty)
    }

    @Test func cpuSharesTheKernelWouldClampAreRefused() throws {
        let container = try TestContainer(args: ["sleep", "300"])
        defer { container.cleanUp() }
        let id = try container.runDetached("shares")
        for shares in ["1", "262145"] {
            let result = try container.runcs(["update", "--cpu-share", shares, id])
            #expect(result.status != 0)
            #expect(result.error.contains("cpu shares \(shares) is out of range: the kernel "
                                          + "takes 2 to 262144"), "\(result.error)")
        }
        #expect(try container.runcs(["update", "--cpu-share", "512", id]).status == 0)
    }

    @Test func unreadableStateIsNeitherListedNorDeletedEvenByForce() throws {
        let container = try TestContainer(args: ["sleep", "300"])
        defer { container.cleanUp() }
        let id = try container.runDetached("corrupt")
        let pid = try container.initPID(id)
        let statePath = "\(container.stateRoot)/\(id)/state.json"
        let saved = try FileSystem.read(statePath)
        try FileSystem.writeAtomically(statePath, text: "garbage")
        // The state goes back before cleanUp deletes the container for real.
        defer { try? FileSystem.writeAtomically(statePath, saved) }

        let listed = try container.runcs(["list"])
        #expect(listed.status == 0)
        #expect(!listed.output.contains(id))
        #expect(listed.error.contains("container left out of the list"), "\(listed.error)")

        let deleted = try container.runcs(["delete", "--force", id])
        #expect(deleted.status != 0)
        #expect(deleted.error.contains("cannot delete container \"\(id)\""), "\(deleted.error)")
        #expect(deleted.error.contains("stays until"))
        #expect(FileSystem.exists(statePath))
        #expect(kill(pid, 0) == 0, "the container's process must still run")
    }
}
