import Glibc
import RuntimeKit
import SystemKit
import Testing

/// `runcs run` in the foreground: the terminal relay, signal forwarding, the child's
/// errors and the descriptors a caller hands over.
@Suite struct RunForegroundTests {
    @Test func aTerminalWithoutConsoleSocketIsRelayedToOurStdio() throws {
        let container = try TestContainer(args: ["sh", "-c", "tty; stty size; exit 4"])
        defer { container.cleanUp() }
        container.spec.process?.terminal = true
        container.spec.process?.consoleSize = Spec.ConsoleSize(height: 12, width: 34)
        let result = try container.run()
        #expect(result.status == 4, "\(result.error)")
        #expect(result.output == "/dev/pts/0\r\n12 34\r\n")
    }

    @Test func signalsToRunAreForwardedToTheContainer() throws {
        let script = "trap 'echo got-term; exit 5' TERM; echo ready; "
            + "while true; do sleep 0.05; done"
        let container = try TestContainer(args: ["sh", "-c", script])
        defer { container.cleanUp() }
        try container.writeSpec()
        let id = container.makeID("signal")
        let run = try TestContainer.spawn([TestContainer.runcsPath, "--root", container.stateRoot,
                                           "run", "-b", container.bundle, id])
        var running = false
        for _ in 0..<200 where !running {
            usleep(20_000)
            running = (try? container.runcs(["state", id]).output.contains("running")) == true
        }
        #expect(running)
        usleep(100_000)
        kill(run.pid, SIGTERM)
        let result = run.wait()
        #expect(result.status == 5, "\(result.error)")
        #expect(result.output == "ready\ngot-term\n")
    }

    @Test func aFailureBeforeTheInitExecsReachesTheUser() throws {
        let container = try TestContainer(args: ["true"])
        defer { container.cleanUp() }
        // A regular file is no namespace: setns in the clone child fails.
        let notANamespace = "\(container.directory)/not-a-namespace"
        try FileSystem.writeAtomically(notANamespace, text: "")
        let namespaces = container.spec.linux?.namespaces ?? []
        container.spec.linux?.namespaces = namespaces.filter { $0.type != "ipc" }
            + [Spec.Namespace(type: "ipc", path: notANamespace)]
        let result = try container.run()
        #expect(result.status != 0)
        #expect(result.error.contains("setns: Invalid argument"), "\(result.error)")
        #expect(try container.runcs(["list", "-q"]).output.isEmpty)
    }

    @Test func preservedDescriptorsAndThePidFileAndCgroupNamespace() throws {
        // In a new cgroup namespace every hierarchy's path reads "/", the memory one included
        // (the host's is nested here).
        let script = "cat <&3; grep -v ':/$' /proc/self/cgroup | wc -l"
        let container = try TestContainer(args: ["sh", "-c", script])
        defer { container.cleanUp() }
        container.spec.linux?.namespaces?.append(Spec.Namespace(type: "cgroup"))
        let message = "\(container.directory)/message"
        try FileSystem.writeAtomically(message, text: "handed-over\n")
        let pidFile = "\(container.directory)/run.pid"
        try container.writeSpec()
        let extra = open(message, O_RDONLY)
        defer { close(extra) }
        // fd 7 in runcs; `--preserve-fds 5` keeps 3...7, and the script reads fd 3, so
        // the file goes to 3 through a tiny wrapper shell.
        let result = try TestContainer.execute([
            "/bin/sh", "-c", "exec 3<&7 7<&-; exec \"$@\"", "wrapper", TestContainer.runcsPath,
            "--root", container.stateRoot, "run", "--preserve-fds", "1", "--pid-file", pidFile,
            "-b", container.bundle, container.makeID("fds"),
        ], extraFD: extra)
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output == "handed-over\n0\n")
        #expect(Int32(try FileSystem.readText(pidFile)) != nil)
    }
}
