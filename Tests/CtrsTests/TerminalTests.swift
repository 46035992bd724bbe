import Glibc
import SystemKit
import Testing

/// `ctrs run --tty` in a real terminal: a pane of a private tmux server (`tmux -L`),
/// typed into as a person would.
@Suite(.enabled(if: CtrsEnvironment.canRun && FileSystem.exists("/usr/bin/tmux"),
                "\(CtrsEnvironment.reasonToSkip ?? "tmux is not installed")"), .sharedDaemon)
struct TerminalTests {
    /// One tmux server of the test's own, killed by `close()`.
    struct TmuxPane {
        let server: String

        init(columns: Int, rows: Int) throws {
            server = "ctrs-test-" + CtrsEnvironment.uniqueSuffix()
            // Spawned with no blocked signals: the server and its shells inherit the mask,
            // and a shell that blocks SIGHUP outlives kill-server.
            let client = try PrivateDaemon.spawn(
                ["/usr/bin/tmux", "-L", server, "new-session", "-d", "-x", "\(columns)",
                 "-y", "\(rows)", "sh"],
                output: "/dev/null")
            var status: Int32 = 0
            while waitpid(client, &status, 0) < 0 && errno == EINTR {}
            guard status == 0 else {
                throw SetupFailure("tmux new-session failed with status \(status)")
            }
        }

        /// Kills the server and removes its socket, which kill-server leaves behind.
        func close() {
            _ = try? Subprocess.run(["tmux", "-L", server, "kill-server"])
            let directory = getenv("TMUX_TMPDIR").map { String(cString: $0) } ?? "/tmp"
            unlink("\(directory)/tmux-\(getuid())/\(server)")
        }

        @discardableResult
        func tmux(_ arguments: [String]) throws -> String {
            let result = try Subprocess.run(["tmux", "-L", server] + arguments)
            guard result.status == 0 else {
                throw SetupFailure("tmux \(arguments.joined(separator: " ")) failed: "
                    + String(decoding: result.error, as: UTF8.self))
            }
            return String(decoding: result.output, as: UTF8.self)
        }

        /// Types `text` and Enter.
        func type(_ text: String) throws {
            try tmux(["send-keys", "-l", text])
            try tmux(["send-keys", "Enter"])
        }

        /// The pane's visible lines, trailing blanks removed.
        func lines() throws -> [String] {
            try tmux(["capture-pane", "-p"]).split(separator: "\n").map { line in
                var text = Substring(line)
                while text.last == " " { text = text.dropLast() }
                return String(text)
            }
        }

        /// Waits up to 15 s for a line for which `matches` holds; records an issue
        /// showing the pane when none comes.
        func expectLine(_ what: String, sourceLocation: SourceLocation = #_sourceLocation,
                        _ matches: (String) -> Bool) throws
        {
            for _ in 0..<300 {
                if try lines().contains(where: matches) {
                    return
                }
                usleep(50_000)
            }
            let shown = try lines().joined(separator: "\n")
            Issue.record("no \(what) within 15 s; the pane shows:\n\(shown)",
                         sourceLocation: sourceLocation)
        }
    }

    @Test func shellInATerminalSeesHostnameSizeResizeAndExitsWithItsStatus() throws {
        let daemon = try PrivateDaemon.current()
        let pane = try TmuxPane(columns: 100, rows: 30)
        defer { pane.close() }
        let id = "b1-" + CtrsEnvironment.uniqueSuffix()
        let before = daemon.directory + "/stty-before-" + id
        let after = daemon.directory + "/stty-after-" + id

        try pane.type("stty -g > \(before); \(CtrsEnvironment.ctrs) --socket \(daemon.socket) "
            + "run --tty --rm \(daemon.image) \(id) sh; echo rc=$?; stty -g > \(after)")
        // The host shell may print its own prompt late, on the same line.
        try pane.expectLine("prompt") { $0.hasSuffix("/ #") }

        try pane.type("hostname")
        try pane.expectLine("hostname") { $0 == id }

        try pane.type("ps -o pid,comm")
        try pane.expectLine("sh as PID 1") { $0.split(separator: " ") == ["1", "sh"] }

        try pane.type("stty size")
        try pane.expectLine("size 30 100") { $0 == "30 100" }

        try pane.tmux(["resize-window", "-x", "120", "-y", "40"])
        usleep(200_000)
        try pane.type("stty size")
        try pane.expectLine("size 40 120") { $0 == "40 120" }

        // Ctrl-C reaches the container's foreground process, not ctrs.
        try pane.type("sleep 100")
        usleep(300_000)
        try pane.tmux(["send-keys", "C-c"])
        try pane.type("echo after-interrupt")
        try pane.expectLine("the shell after Ctrl-C") { $0 == "after-interrupt" }

        try pane.type("exit 3")
        try pane.expectLine("rc=3") { $0 == "rc=3" }
        #expect(daemon.eventually { FileSystem.exists(after) })
        usleep(100_000)
        let restored = try FileSystem.readText(after)
        #expect(!restored.isEmpty)
        #expect(restored == (try FileSystem.readText(before)))
    }

    @Test func sigtermEndsTheSessionAndRestoresTheTerminal() throws {
        let daemon = try PrivateDaemon.current()
        let pane = try TmuxPane(columns: 100, rows: 30)
        defer { pane.close() }
        let id = "term-" + CtrsEnvironment.uniqueSuffix()
        let before = daemon.directory + "/stty-before-" + id
        let after = daemon.directory + "/stty-after-" + id

        try pane.type("stty -g > \(before); \(CtrsEnvironment.ctrs) --socket \(daemon.socket) "
            + "run -t \(daemon.image) \(id) sh; echo rc=$?; stty -g > \(after)")
        try pane.expectLine("prompt") { $0.hasSuffix("/ #") }

        let found = try Subprocess.run(["pgrep", "-f", "--", "run -t \(daemon.image) \(id) sh"])
        let pids = String(decoding: found.output, as: UTF8.self).split(separator: "\n")
        try #require(pids.count == 1, "ctrs not found among the processes")
        kill(pid_t(pids[0])!, SIGTERM)

        try pane.expectLine("rc=143") { $0.hasSuffix("rc=143") }
        #expect(daemon.eventually { FileSystem.exists(after) })
        usleep(100_000)
        #expect(try FileSystem.readText(after) == (try FileSystem.readText(before)))
        // The container goes on without its client.
        #expect(try daemon.ctrs(["task", "ls", "-q"]).stdout.split(separator: "\n")
            .contains(Substring(id)))
    }

    @Test func aFailedStartRestoresTheTerminalAndExits127() throws {
        let daemon = try PrivateDaemon.current()
        let pane = try TmuxPane(columns: 100, rows: 30)
        defer { pane.close() }
        let id = "failed-" + CtrsEnvironment.uniqueSuffix()
        let before = daemon.directory + "/stty-before-" + id
        let after = daemon.directory + "/stty-after-" + id

        try pane.type("stty -g > \(before); \(CtrsEnvironment.ctrs) --socket \(daemon.socket) "
            + "run -t --rm \(daemon.image) \(id) /no/such/shell; echo rc=$?; stty -g > \(after)")
        try pane.expectLine("rc=127") { $0.hasSuffix("rc=127") }
        #expect(daemon.eventually { FileSystem.exists(after) })
        usleep(100_000)
        #expect(try FileSystem.readText(after) == (try FileSystem.readText(before)))
        #expect(!(try daemon.ctrs(["container", "ls", "-q"]).stdout.contains(id)))
    }
}
