import CShim
import Glibc
import RuntimeKit
import SystemKit
import Testing

/// The console-socket protocol: the pty master arrives over SCM_RIGHTS.
@Suite struct TerminalTests {
    @Test func thePtyMasterIsSentOverTheConsoleSocketWithItsSize() throws {
        let script = "tty; stty size; [ -c /dev/console ] && echo console; stat -c %u:%g $(tty)"
        let container = try TestContainer(args: ["sh", "-c", script])
        defer { container.cleanUp() }
        container.spec.process?.terminal = true
        container.spec.process?.consoleSize = Spec.ConsoleSize(height: 30, width: 100)
        container.spec.process?.user = Spec.User(uid: 1000, gid: 1000)
        let socketPath = "\(container.directory)/console.sock"
        let listener = try TestContainer.makeListener(at: socketPath)
        defer { close(listener) }
        let id = container.makeID("tty")

        let created = try container.runcs(["create", "--console-socket", socketPath,
                                           "--bundle", container.bundle, id])
        #expect(created.status == 0, "\(created.error)")
        let connection = accept(listener, nil, nil)
        _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
        defer { close(connection) }
        var master: Int32 = -1
        var tag = [UInt8](repeating: 0, count: 64)
        _ = tag.withUnsafeMutableBytes { cshim_recv_fd(connection, &master, $0.baseAddress, 64) }
        try #require(master >= 0)
        defer { close(master) }

        #expect(try container.runcs(["start", id]).status == 0)
        let text = TestContainer.readAll(master)
        // Owned by the process's user, in the tty group that devpts's gid=5 gives.
        #expect(text == "/dev/pts/0\r\n30 100\r\nconsole\r\n1000:5\r\n")
    }

    @Test func aTerminalWithoutConsoleSocketIsRefusedForCreate() throws {
        let container = try TestContainer(args: ["sh"])
        defer { container.cleanUp() }
        container.spec.process?.terminal = true
        let result = try container.runcs(["create", "-b", container.bundle, container.makeID("t")])
        #expect(result.status != 0)
        #expect(result.error.contains("console-socket"))
    }
}
