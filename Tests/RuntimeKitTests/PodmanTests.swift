import Glibc
import SystemKit
import TestKit
import Testing

/// runcs as the OCI runtime of real podman (Debian's 4.3, on a private storage root,
/// run root and cgroup parent), driven through `podman --runtime <runcs>`: podman hands
/// each container to conmon, which calls runcs create, start, exec, kill and delete.
@Suite(.serialized) struct PodmanTests {
    let image = PrivatePodman.image

    @Test func aForegroundRunPrintsAndItsExitStatusComesBack() throws {
        let podman = try PrivatePodman()
        defer { podman.stop() }

        let run = try podman.podman(["run", "--rm"] + podman.runFlags
            + [image, "sh", "-c", "echo hello from runcs; exit 3"])

        #expect(run.output == "hello from runcs\n", "\(run.error)")
        #expect(run.status == 3, "\(run.error)")
        #expect(try podman.podman(["ps", "--all", "--quiet"]).output.isEmpty)
    }

    @Test func userWorkingDirectoryAndEnvironmentReachTheProcess() throws {
        let podman = try PrivatePodman()
        defer { podman.stop() }

        let run = try podman.podman(["run", "--rm", "--user", "1000:1000", "--workdir", "/tmp",
                                     "--env", "A=b"] + podman.runFlags
            + [image, "sh", "-c", "id -u; id -g; pwd; echo \"A=$A\""])

        #expect(run.output == "1000\n1000\n/tmp\nA=b\n", "\(run.error)")
        #expect(run.status == 0, "\(run.error)")
    }

    /// `--read-only` comes with tmpfses on /tmp, /run and /var/tmp, and `--tmpfs` adds
    /// one; podman asks for each with `tmpcopyup`, so /etc/apk keeps its files.
    @Test func aReadOnlyRootRefusesWritesWhileItsTmpfsesTakeThem() throws {
        let podman = try PrivatePodman()
        defer { podman.stop() }
        let script = "touch /x 2>&1; for d in /tmp /run /var/tmp /etc/apk; do "
            + "touch $d/y || exit 1; done; cat /etc/apk/arch"

        let run = try podman.podman(["run", "--rm", "--read-only", "--tmpfs", "/etc/apk"]
            + podman.runFlags + [image, "sh", "-c", script])

        #expect(run.output == "touch: /x: Read-only file system\nx86_64\n", "\(run.error)")
        #expect(run.status == 0, "\(run.error)")
    }

    /// `podman run -t` under `script`, which gives podman a terminal of 30 rows and 100
    /// columns: conmon passes runcs a console socket and gets the pty's master back.
    @Test func aTerminalRunGetsItsPtyThroughConmonsConsoleSocket() throws {
        let podman = try PrivatePodman()
        defer { podman.stop() }
        let run = podman.command(["run", "--rm", "--tty"] + podman.runFlags
            + [image, "sh", "-c", "tty; stty size; exit 4"])

        let result = try Self.inTerminal(run)

        #expect(result.output.contains("/dev/pts/0\r\n30 100\r\n"), "\(result.output)")
        #expect(result.status == 4, "\(result.output) \(result.error)")
    }

    /// `podman run -it sh` in tmux: keys typed reach the shell through conmon and the pty.
    @Test func anInteractiveShellDrivenThroughTmux() throws {
        let podman = try PrivatePodman()
        defer { podman.stop() }
        let run = podman.command(["run", "--rm", "--interactive", "--tty"] + podman.runFlags
            + [image, "sh"])
        let session = try TmuxSession(in: podman.directory, command: Self.shellLine(run))
        defer { session.close() }

        try #require(try session.awaitShell(),
                     "the shell never answered: \((try? session.screen()) ?? "")")
        let size = try session.paneSize()
        try session.type("echo tty=$(tty) size=$(stty size) answer=$((6 * 7))")
        #expect(try session.waitFor("tty=/dev/pts/0 size=\(size) answer=42"),
                "\((try? session.screen()) ?? "")")
        try session.type("exit 5")

        #expect(session.exitStatus() == "5", "\((try? session.screen()) ?? "")")
    }

    @Test func execAndTopInADetachedContainerThenItsForcedRemoval() throws {
        let podman = try PrivatePodman()
        defer { podman.stop() }
        let name = "probe-\(getpid())"
        let started = try podman.podman(["run", "--detach", "--name", name] + podman.runFlags
            + [image, "sleep", "1000"])
        try #require(started.status == 0, "\(started.error)")
        let id = started.output.split(separator: "\n").first.map(String.init) ?? ""

        // The exec joins the init's pid namespace, where the init (sleep) is PID 1.
        let exec = try podman.podman(["exec", name, "sh", "-c",
                                      "cat /etc/alpine-release /proc/1/comm; exit 4"])
        #expect(exec.output == "3.20.3\nsleep\n", "\(exec.error)")
        #expect(exec.status == 4, "\(exec.error)")

        let configured = try podman.podman(["exec", "--user", "1000:1000", "--workdir", "/tmp",
                                            "--env", "A=b", name, "sh", "-c",
                                            "id -u; pwd; echo \"A=$A\""])
        #expect(configured.output == "1000\n/tmp\nA=b\n", "\(configured.error)")

        // podman maps runcs's "executable file not found" to the shell's 127.
        let missing = try podman.podman(["exec", name, "no-such-command"])
        #expect(missing.status == 127, "\(missing.error)")

        let terminal = try Self.inTerminal(podman.command(["exec", "--tty", name, "sh", "-c",
                                                           "tty; stty size; exit 6"]))
        #expect(terminal.output.contains("/dev/pts/"), "\(terminal.output)")
        #expect(terminal.output.contains("30 100"), "\(terminal.output)")
        #expect(terminal.status == 6, "\(terminal.output) \(terminal.error)")

        let top = try podman.podman(["top", name, "pid", "user", "args"])
        #expect(top.status == 0, "\(top.error)")
        let rows = top.output.split(separator: "\n").map {
            $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        }
        #expect(rows == ["PID USER COMMAND", "1 root sleep 1000"], "\(top.output)")

        // A forced removal of a running container: runcs kill, then delete --force.
        let removed = try podman.podman(["rm", "--force", "--time", "0", name])
        #expect(removed.status == 0, "\(removed.error)")
        #expect(try podman.podman(["ps", "--all", "--quiet"]).output.isEmpty)
        let state = try TestContainer.execute([TestContainer.runcsPath, "state", id])
        #expect(state.status != 0, "runcs still knows \(id): \(state.output)")
    }

    @Test func pauseAndUnpauseFreezeAndThawTheContainer() throws {
        let podman = try PrivatePodman()
        defer { podman.stop() }
        let name = "frozen-\(getpid())"
        let started = try podman.podman(["run", "--detach", "--name", name] + podman.runFlags
            + [image, "sleep", "1000"])
        try #require(started.status == 0, "\(started.error)")

        let paused = try podman.podman(["pause", name])
        #expect(paused.status == 0, "\(paused.error)")
        #expect(try podman.inspect(name, "{{.State.Status}}") == "paused")

        let resumed = try podman.podman(["unpause", name])
        #expect(resumed.status == 0, "\(resumed.error)")
        #expect(try podman.inspect(name, "{{.State.Status}}") == "running")
        let exec = try podman.podman(["exec", name, "cat", "/proc/1/comm"])
        #expect(exec.output == "sleep\n", "\(exec.error)")
    }

    /// sleep as PID 1 has no handler for SIGTERM, so the kernel drops it: podman stop
    /// sends SIGKILL once the timeout has passed.
    @Test func stopSendsTermThenKillAfterTheTimeoutAndRmRemoves() throws {
        let podman = try PrivatePodman()
        defer { podman.stop() }
        let name = "stopped-\(getpid())"
        let started = try podman.podman(["run", "--detach", "--name", name] + podman.runFlags
            + [image, "sleep", "1000"])
        try #require(started.status == 0, "\(started.error)")

        let before = Self.monotonicSeconds()
        let stopped = try podman.podman(["stop", "--time", "2", name])
        let elapsed = Self.monotonicSeconds() - before

        #expect(stopped.status == 0, "\(stopped.error)")
        #expect(elapsed >= 1.9 && elapsed < 10, "podman stop took \(elapsed) s")
        #expect(try podman.inspect(name, "{{.State.Status}} {{.State.ExitCode}}")
                == "exited 137")
        let removed = try podman.podman(["rm", name])
        #expect(removed.status == 0, "\(removed.error)")
        #expect(try podman.podman(["ps", "--all", "--quiet"]).output.isEmpty)
    }

    /// In the host's pid namespace the container's init is not PID 1 of its own, and
    /// podman stop asks runcs to signal every process of the container (kill --all).
    /// The child records its SIGTERM in a bind-mounted directory; the init waits for it
    /// and exits 7, instead of being killed after the timeout (137).
    @Test func stopInTheHostPidNamespaceSignalsEveryProcess() throws {
        let podman = try PrivatePodman()
        defer { podman.stop() }
        let name = "hostpid-\(getpid())"
        let shared = podman.directory + "/shared"
        try FileSystem.createDirectory(shared)
        let script = """
            (trap 'echo term > /shared/child; exit 0' TERM; while :; do sleep 0.1; done) &
            trap 'wait; exit 7' TERM
            echo > /shared/ready
            wait
            """
        let started = try podman.podman(["run", "--detach", "--name", name, "--pid", "host",
                                         "--volume", "\(shared):/shared"] + podman.runFlags
            + [image, "sh", "-c", script])
        try #require(started.status == 0, "\(started.error)")
        for _ in 0..<100 where !FileSystem.exists(shared + "/ready") {
            usleep(50_000)
        }

        let stopped = try podman.podman(["stop", "--time", "5", name])

        #expect(stopped.status == 0, "\(stopped.error)")
        #expect(try podman.inspect(name, "{{.State.ExitCode}}") == "7")
        #expect((try? FileSystem.readText(shared + "/child")) == "term\n")
    }

    /// Runs `arguments` under `script` in a pseudo-terminal of 30 rows and 100 columns;
    /// the output is what the terminal showed, the status the command's.
    static func inTerminal(_ arguments: [String]) throws -> CommandResult {
        try #require(access("/usr/bin/script", X_OK) == 0, "script is missing (util-linux)")
        return try TestContainer.execute(["/usr/bin/script", "--quiet", "--return",
                                          "--command",
                                          "stty rows 30 cols 100; " + shellLine(arguments),
                                          "/dev/null"])
    }

    /// `arguments` as one shell command line, each word single-quoted.
    static func shellLine(_ arguments: [String]) -> String {
        arguments.map { "'" + $0.replacing("'", with: "'\\''") + "'" }
            .joined(separator: " ")
    }

    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
