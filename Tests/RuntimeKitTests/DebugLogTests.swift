import Glibc
import RuntimeKit
import SystemKit
import Testing

/// `runcs --debug`: one line per step of starting a container or an exec'd process, on
/// stderr or in the `--log` file, in the order the steps happen.
@Suite struct DebugLogTests {
    /// The messages of the lines in `text` that have level=debug, in order.
    func debugMessages(_ text: String) -> [String] {
        text.split(separator: "\n").filter { $0.contains("level=debug") }.compactMap { line in
            let halves = line.split(separator: "msg=\"", maxSplits: 1)
            guard halves.count == 2 else { return nil }
            return halves[1].split(separator: "\"").first.map(String.init)
        }
    }

    @Test func runLogsEachStepOfTheInitInOrder() throws {
        let container = try TestContainer(args: ["echo", "hello"])
        defer { container.cleanUp() }
        let id = container.makeID("debug")
        let result = try container.runcs(["--debug", "run", "--bundle", container.bundle, id])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output == "hello\n")
        #expect(debugMessages(result.error) == [
            "nsexec container setup", "child process in init()",
            "init: closing the pipe to signal completion", "container created",
            "container started", "container deleted",
        ], "\(result.error)")
    }

    @Test func execLogsItsStepsToTheLogFileOnly() throws {
        let container = try TestContainer(args: ["sleep", "300"])
        defer { container.cleanUp() }
        let id = container.makeID("debugexec")
        let started = try container.runcs(["run", "--detach", "--bundle", container.bundle, id])
        try #require(started.status == 0, "\(started.error)")

        let log = "\(container.directory)/debug.log"
        let result = try container.runcs(["--debug", "--log", log, "exec", id, "true"])
        #expect(result.status == 0, "\(result.error)")
        #expect(!result.error.contains("level=debug"))
        let lines = try FileSystem.readText(log)
        #expect(debugMessages(lines) == [
            "nsexec container setup", "child process in init()", "setns_init: about to exec",
            "exec started",
        ], "\(lines)")
        #expect(lines.contains("id=\(id)"))
    }
}
