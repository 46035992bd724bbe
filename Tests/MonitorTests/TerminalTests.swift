import Glibc
import MonitorClient
import SystemKit
import Testing

@Suite struct TerminalTests {
    @Test func sizeSetBeforeStartIsSeenAndExitCodeComesBack() throws {
        let container = try TestContainer("tty", arguments: ["sh"], terminal: true)
        defer { container.remove() }

        let monitor = try MonitorClient.launch(container.spec(terminal: true, stdin: true))
        try monitor.resize(rows: 33, cols: 101)
        let stream = try monitor.attach(stdin: true)
        defer { stream.close() }
        try monitor.start()

        try stream.writeAll("stty size\n")
        #expect(read(stream, until: "33 101").contains("33 101"))
        try monitor.resize(rows: 20, cols: 70)
        try stream.writeAll("stty size\n")
        #expect(read(stream, until: "20 70").contains("20 70"))

        try stream.writeAll("exit 5\n")
        _ = read(stream, until: nil)
        let record = try MonitorClient.readExit(container.stateDirectory)
        #expect(record?.exitCode == 5)
        let log = try FileSystem.readText(container.stateDirectory + "/container.log")
        #expect(log.contains("33 101"))
    }

    @Test func clientAttachesAgainAfterReconnecting() throws {
        let container = try TestContainer("reattach", arguments: ["sh"], terminal: true)
        defer { container.remove() }

        let first = try MonitorClient.launch(container.spec(terminal: true, stdin: true))
        try first.start()
        let stream = try first.attach(stdin: true)
        try stream.writeAll("echo one-$((20+1))\n")
        #expect(read(stream, until: "one-21").contains("one-21"))
        stream.close()

        let again = try MonitorClient.connect(container.stateDirectory)
        #expect(again.pid == first.pid)
        #expect(try again.status().state == .running)
        let second = try again.attach(stdin: true)
        defer { second.close() }
        try second.writeAll("echo two-$((40+2))\n")
        #expect(read(second, until: "two-42").contains("two-42"))

        try second.writeAll("exit 0\n")
        _ = read(second, until: nil)
        #expect(try MonitorClient.readExit(container.stateDirectory)?.exitCode == 0)
    }

    @Test func execWithATerminalOfItsOwn() throws {
        let container = try TestContainer("ttyexec", arguments: ["sleep", "30"])
        defer { container.remove() }

        let monitor = try MonitorClient.launch(container.spec())
        try monitor.start()
        let process = try container.processFile("shell", arguments: ["sh"], terminal: true)
        let (_, stream) = try monitor.execAttached(
            ExecSpec(id: "shell", processPath: process, terminal: true, standardInput: true))
        defer { stream.close() }
        try monitor.resize(rows: 12, cols: 34, exec: "shell")
        try stream.writeAll("stty size; exit 6\n")
        #expect(read(stream, until: nil).contains("12 34"))
        #expect(try MonitorClient.readExecExit(container.stateDirectory, exec: "shell")?.exitCode
                == 6)
        try monitor.kill(signal: SIGKILL)
    }
}
