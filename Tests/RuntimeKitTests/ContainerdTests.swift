import Glibc
import SystemKit
import TestKit
import Testing

/// runcs as the runtime of real containerd (Debian's package, on a private root and
/// socket), driven through `ctr run --runc-binary`, as a Kubernetes node's containerd
/// drives its RuntimeClass handler.
@Suite(.serialized) struct ContainerdTests {
    @Test func aForegroundRunPrintsAndItsExitStatusComesBack() throws {
        let containerd = try PrivateContainerd()
        defer { containerd.stop() }
        let id = "echo-" + String(getpid())

        let run = try containerd.ctr(["run", "--rm"] + containerd.runFlags(id: id)
            + [PrivateContainerd.image, id, "sh", "-c", "echo hello from runcs; exit 3"])

        #expect(run.output == "hello from runcs\n", "\(run.error)")
        #expect(run.status == 3, "\(run.error)")
        #expect(try containerd.ctr(["containers", "ls", "-q"]).output.isEmpty)
    }

    @Test func execPauseResumeAndKillOfARunningTask() throws {
        let containerd = try PrivateContainerd()
        defer { containerd.stop() }
        let id = "task-" + String(getpid())
        let foreground = try TestContainer.spawn(
            ["/usr/bin/ctr", "--address", containerd.socket, "--namespace",
             containerd.namespace, "run", "--rm"] + containerd.runFlags(id: id)
            + [PrivateContainerd.image, id, "sleep", "1000"])
        var running = false
        for _ in 0..<100 where !running {
            running = try containerd.taskStatus(id) == "RUNNING"
            if !running { usleep(50_000) }
        }
        try #require(running, "the task did not reach RUNNING")

        // ctr sets no hostname; the exec shares the init's pid namespace, where the
        // init (sleep) is PID 1.
        let exec = try containerd.ctr(["task", "exec", "--exec-id", "probe", id, "sh", "-c",
                                       "cat /etc/alpine-release /proc/1/comm; exit 4"])
        #expect(exec.output == "3.20.3\nsleep\n", "\(exec.error)")
        #expect(exec.status == 4, "\(exec.error)")

        let processes = try containerd.ctr(["task", "ps", id])
        #expect(processes.status == 0, "\(processes.error)")
        #expect(processes.output.split(separator: "\n").count >= 2, "\(processes.output)")

        #expect(try containerd.ctr(["task", "pause", id]).status == 0)
        #expect(try containerd.taskStatus(id) == "PAUSED")
        #expect(try containerd.ctr(["task", "resume", id]).status == 0)
        #expect(try containerd.taskStatus(id) == "RUNNING")

        let killed = try containerd.ctr(["task", "kill", "--signal", "KILL", id])
        #expect(killed.status == 0, "\(killed.error)")
        let finished = foreground.wait()
        #expect(finished.status == 137, "\(finished.error)")
    }

    /// `ctr run --tty` in tmux: the pty comes through containerd's console socket.
    @Test func aTerminalShellDrivenThroughTmux() throws {
        try #require(access("/usr/bin/tmux", X_OK) == 0, "tmux is missing (apt-get install tmux)")
        let containerd = try PrivateContainerd()
        defer { containerd.stop() }
        let id = "tty-" + String(getpid())
        let session = "runcs-" + containerd.namespace
        let statusFile = containerd.directory + "/status"
        let command = (["/usr/bin/ctr", "--address", containerd.socket, "--namespace",
                        containerd.namespace, "run", "--rm", "--tty"]
                       + containerd.runFlags(id: id) + [PrivateContainerd.image, id, "sh"])
            .joined(separator: " ")
        let started = try TestContainer.execute([
            "/usr/bin/tmux", "new-session", "-d", "-s", session, "-x", "100", "-y", "30",
            "\(command); echo $? > \(statusFile)",
        ])
        try #require(started.status == 0, "tmux: \(started.error)")
        defer { _ = try? TestContainer.execute(["/usr/bin/tmux", "kill-session", "-t", session]) }

        func screen() throws -> String {
            try TestContainer.execute(["/usr/bin/tmux", "capture-pane", "-p", "-t", session])
                .output
        }
        func waitFor(_ text: String, tries: Int = 400) throws -> Bool {
            for _ in 0..<tries {
                if try screen().contains(text) { return true }
                usleep(50_000)
            }
            return false
        }
        func type(_ line: String) throws {
            _ = try TestContainer.execute(["/usr/bin/tmux", "send-keys", "-t", session,
                                           line, "Enter"])
        }

        // The pane is the session less tmux's status line: ask tmux for its size.
        let size = try TestContainer.execute(["/usr/bin/tmux", "display-message", "-p",
                                              "-t", session, "#{pane_height} #{pane_width}"])
            .output.split(separator: "\n").first.map(String.init) ?? "?"
        // Type once the shell answers, as a person would: busybox's line editor asks the
        // terminal for the cursor position at its first prompt and swallows keys typed
        // meanwhile, so a probe line is typed until its answer shows.
        var ready = false
        for attempt in 0..<20 where !ready {
            try type("echo ready-$((\(attempt) + 1000))")
            ready = try waitFor("ready-\(attempt + 1000)", tries: 20)
        }
        try #require(ready, "the shell never answered: \((try? screen()) ?? "")")
        try type("echo tty=$(tty) size=$(stty size) answer=$((6 * 7))")
        let answered = try waitFor("tty=/dev/pts/0 size=\(size) answer=42")
        #expect(answered, "\((try? screen()) ?? "")")
        try type("exit 5")
        var status: String?
        for _ in 0..<400 where status == nil {
            status = try? FileSystem.readText(statusFile)
            if status == nil { usleep(50_000) }
        }
        #expect(status == "5\n", "\((try? screen()) ?? "")")
    }
}
