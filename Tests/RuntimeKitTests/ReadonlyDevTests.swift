import Glibc
import RuntimeKit
import Testing

/// A read-only tmpfs on /dev: what goes inside it (devpts, shm, mqueue, the device
/// nodes) is put there first, then it becomes read-only.
@Suite struct ReadonlyDevTests {
    @Test func aReadonlyDevIsFilledAndThenReadonly() throws {
        let script = "grep ' /dev ' /proc/self/mounts | grep -c ' ro,'; [ -d /dev/pts ]"
            + " && echo pts; echo data > /dev/null && echo null;"
            + " touch /dev/new 2>/dev/null || echo refused"
        let container = try TestContainer(args: ["sh", "-c", script])
        defer { container.cleanUp() }
        let index = try #require(container.spec.mounts?.firstIndex { $0.destination == "/dev" })
        container.spec.mounts?[index].options?.append("ro")

        let result = try container.run()

        #expect(result.status == 0, "\(result.error)")
        #expect(result.output == "1\npts\nnull\nrefused\n")
    }

    /// With a terminal, the file /dev/console is bound over is made before /dev turns
    /// read-only.
    @Test func aReadonlyDevStillGetsTheConsole() throws {
        let container = try TestContainer(args: ["sh", "-c", "[ -c /dev/console ] && echo console"])
        defer { container.cleanUp() }
        let index = try #require(container.spec.mounts?.firstIndex { $0.destination == "/dev" })
        container.spec.mounts?[index].options?.append("ro")
        container.spec.process?.terminal = true
        let socketPath = container.directory + "/console.sock"
        let listener = try TestContainer.makeListener(at: socketPath)
        defer { close(listener) }
        let id = container.makeID("rodev")

        let created = try container.runcs(["create", "--console-socket", socketPath,
                                           "--bundle", container.bundle, id])

        #expect(created.status == 0, "\(created.error)")
        #expect(!created.error.contains("no /dev/console"), "\(created.error)")
    }
}
