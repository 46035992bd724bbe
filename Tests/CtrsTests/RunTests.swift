import Glibc
import SystemKit
import Testing

/// `ctrs run` without a terminal: output split to stdout and stderr, the container's
/// exit status as ctrs's, stdin forwarded with -i, and Docker's codes for failures.
@Suite(.enabled(if: CtrsEnvironment.canRun, "\(CtrsEnvironment.reasonToSkip ?? "")"),
       .sharedDaemon)
struct RunTests {
    /// Runs under runcs (named with --runtime): run, output and exit status are what it
    /// implements so far.
    @Test func outputAndExitStatusPassThroughUnderRuncs() throws {
        let daemon = try PrivateDaemon.current()
        let suffix = CtrsEnvironment.uniqueSuffix()
        let runtime = ["--runtime", CtrsEnvironment.runcs]

        let echo = try daemon.ctrs(["run", "--rm"] + runtime
            + [daemon.image, "echo-\(suffix)", "echo", "hello", "world"])
        #expect(echo.status == 0, "\(echo.stderr)")
        #expect(echo.stdout == "hello world\n")

        let split = try daemon.ctrs(["run", "--rm"] + runtime
            + [daemon.image, "split-\(suffix)", "sh", "-c", "echo out; echo err >&2; exit 3"])
        #expect(split.status == 3)
        #expect(split.stdout == "out\n")
        #expect(split.stderr == "err\n")

        let missing = try daemon.ctrs(["run", "--rm"] + runtime
            + [daemon.image, "missing-\(suffix)", "/no/such/command"])
        // runcs refuses a missing command at create, as runc does; the daemon says 127.
        #expect(missing.status == 127)
        #expect(missing.stderr.contains("/no/such/command"))
        let left = try daemon.ctrs(["container", "ls", "-q"]).stdout
        #expect(!left.contains(suffix), "--rm containers left: \(left)")
    }

    /// `task exec` under runcs: the daemon's monitor runs `runcs exec --process F
    /// --detach --pid-file P [--console-socket S] ID`.
    @Test func execUnderRuncsJoinsTheContainerAndPassesItsStatus() throws {
        let daemon = try PrivateDaemon.current()
        let id = "exec-runcs-" + CtrsEnvironment.uniqueSuffix()
        #expect(try daemon.ctrs(["run", "-d", "--runtime", CtrsEnvironment.runcs,
                                 "--hostname", "runcs-box", daemon.image, id,
                                 "sleep", "60"]).status == 0)
        defer { _ = try? daemon.ctrs(["container", "rm", "-f", id]) }

        let exec = try daemon.ctrs(["task", "exec", "--env", "FOO=bar", id, "sh", "-c",
                                    "hostname; echo $FOO; cat /proc/1/comm; exit 5"])
        #expect(exec.status == 5, "\(exec.stderr)")
        #expect(exec.stdout == "runcs-box\nbar\nsleep\n")

        let missing = try daemon.ctrs(["task", "exec", id, "no-such-command"])
        #expect(missing.status == 127)
        #expect(missing.stderr.contains("no-such-command"))

        let terminal = try daemon.ctrs(["task", "exec", "-t", id, "tty"])
        #expect(terminal.status == 0, "\(terminal.stderr)")
        #expect(terminal.stdout.hasPrefix("/dev/pts/"))
    }

    @Test func interactiveInputReachesTheProcessAndItsEndOfFileToo() throws {
        let daemon = try PrivateDaemon.current()
        let suffix = CtrsEnvironment.uniqueSuffix()
        let lines = (1...2000).map { "line \($0)" }.joined(separator: "\n") + "\n"

        let counted = try daemon.ctrs(["run", "-i", "--rm", daemon.image, "wc-\(suffix)",
                                       "wc", "-l"], input: lines)
        #expect(counted.status == 0, "\(counted.stderr)")
        #expect(counted.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).first
            == "2000")

        // Without -i the process's stdin is empty: cat ends at once.
        let closed = try daemon.ctrs(["run", "--rm", daemon.image, "cat-\(suffix)", "cat"],
                                     input: "ignored\n", timeout: 20)
        #expect(closed.status == 0)
        #expect(closed.stdout.isEmpty)
    }

    @Test func environmentWorkingDirectoryUserHostnameAndLabels() throws {
        let daemon = try PrivateDaemon.current()
        let id = "opts-" + CtrsEnvironment.uniqueSuffix()
        let envFile = daemon.directory + "/env"
        try FileSystem.writeAtomically(envFile, text: "# comment\nFROM_FILE=1\nBOTH=file\n")

        let result = try daemon.ctrs([
            "run", "--rm", "--env-file", envFile, "-e", "BOTH=flag", "--cwd", "/made/here",
            "-u", "nobody", "--hostname", "named", "--label", "team=ctrs",
            daemon.image, id, "sh", "-c",
            "echo $FROM_FILE $BOTH; pwd; id -un; hostname",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "1 flag\n/made/here\nnobody\nnamed\n")
    }

    @Test func detachedWithRemoveLeavesNothingBehind() throws {
        let daemon = try PrivateDaemon.current()
        let id = "detached-" + CtrsEnvironment.uniqueSuffix()

        let started = try daemon.ctrs(["run", "-d", "--rm", daemon.image, id, "sleep", "1"])
        #expect(started.status == 0, "\(started.stderr)")
        #expect(started.stdout == id + "\n")
        let ids = { (verb: String) throws -> [Substring] in
            try daemon.ctrs([verb, "ls", "-q"]).stdout.split(separator: "\n")
        }
        #expect(try ids("container").contains(Substring(id)))

        let gone = try daemon.eventually(15) { try !ids("container").contains(Substring(id)) }
        #expect(gone, "the daemon did not remove \(id)")
        #expect(try !ids("task").contains(Substring(id)))
        #expect(daemon.mountsUnderDirectory(containing: id).isEmpty)

        // The id can be used again at once.
        let again = try daemon.ctrs(["run", "--rm", daemon.image, id, "true"])
        #expect(again.status == 0, "\(again.stderr)")
    }

    /// Without a terminal, SIGINT and SIGTERM sent to ctrs go to the container.
    @Test func signalsToCtrsAreForwardedWithoutATerminal() throws {
        let daemon = try PrivateDaemon.current()
        let id = "forwarded-" + CtrsEnvironment.uniqueSuffix()
        let output = daemon.directory + "/run-output"

        let client = try PrivateDaemon.spawn(
            [CtrsEnvironment.ctrs, "--socket", daemon.socket, "run", "--rm", daemon.image, id,
             "sh", "-c", "trap 'echo interrupted; exit 9' INT; echo ready; "
                + "while true; do sleep 0.1; done"],
            output: output)
        var status: Int32 = 0
        defer {
            kill(client, SIGKILL)
            waitpid(client, &status, 0)
        }
        let ready = daemon.eventually(15) {
            ((try? FileSystem.readText(output)) ?? "").contains("ready")
        }
        try #require(ready, "the container did not start")

        kill(client, SIGINT)
        #expect(daemon.eventually(10) { waitpid(client, &status, WNOHANG) == client })
        #expect(status >> 8 & 0xff == 9)
        #expect(try FileSystem.readText(output) == "ready\ninterrupted\n")
    }
}
