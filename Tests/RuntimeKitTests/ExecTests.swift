import CShim
import FoundationEssentials
import Glibc
import RuntimeKit
import SystemKit
import Testing

/// `runcs exec` and `runcs ps` against a running Alpine container whose init sleeps:
/// what the new process shares with the container, the flags, and the errors.
@Suite struct ExecTests {
    /// A started Alpine container with the hostname "exec-box" and a file that exists
    /// only in its rootfs; `configure` changes its config first.
    func startContainer(_ name: String, configure: (TestContainer) -> Void = { _ in })
        throws -> (container: TestContainer, id: String)
    {
        let container = try TestContainer.alpine(args: ["sleep", "300"])
        container.spec.hostname = "exec-box"
        try FileSystem.writeAtomically("\(container.rootfs)/etc/exec-marker", text: "in-rootfs\n")
        configure(container)
        let id = container.makeID(name)
        let result = try container.runcs(["run", "--detach", "--bundle", container.bundle, id])
        try #require(result.status == 0, "\(result.error)")
        return (container, id)
    }

    /// The container's cgroup directory in the pids hierarchy (v1) or the unified one.
    func cgroupDirectory(_ container: TestContainer) -> String {
        let path = container.spec.linux?.cgroupsPath ?? ""
        if FileSystem.exists("/sys/fs/cgroup/cgroup.controllers") {
            return "/sys/fs/cgroup\(path)"
        }
        return "/sys/fs/cgroup/pids\(path)"
    }

    /// Where the freezer of the container's cgroup is switched, and the words to use.
    func freezer(_ container: TestContainer) -> (file: String, frozen: String, thawed: String) {
        let path = container.spec.linux?.cgroupsPath ?? ""
        if FileSystem.exists("/sys/fs/cgroup/cgroup.controllers") {
            return ("/sys/fs/cgroup\(path)/cgroup.freeze", "1", "0")
        }
        return ("/sys/fs/cgroup/freezer\(path)/freezer.state", "FROZEN", "THAWED")
    }

    func readLink(_ path: String) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let length = readlink(path, &buffer, buffer.count - 1)
        guard length > 0 else { return "" }
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Waits up to 10 s for a connection on `listener` and returns the pty master it
    /// passes, or nil.
    func receiveMaster(_ listener: Int32) -> Int32? {
        var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, 10_000) > 0 else { return nil }
        let connection = accept(listener, nil, nil)
        guard connection >= 0 else { return nil }
        _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
        defer { close(connection) }
        var master: Int32 = -1
        var tag = [UInt8](repeating: 0, count: 64)
        _ = tag.withUnsafeMutableBytes { cshim_recv_fd(connection, &master, $0.baseAddress, 64) }
        return master >= 0 ? master : nil
    }

    @Test func theProcessJoinsEveryNamespaceOfTheContainer() throws {
        let (container, id) = try startContainer("ns")
        defer { container.cleanUp() }
        let initPID = try container.initPID(id)
        let names = ["net", "uts", "ipc", "pid", "mnt"]
        let script = "hostname; cat /etc/exec-marker; ps -o pid,comm; "
            + names.map { "readlink /proc/self/ns/\($0)" }.joined(separator: "; ")
        let result = try container.runcs(["exec", id, "sh", "-c", script])
        #expect(result.status == 0, "\(result.error)")
        let lines = result.output.split(separator: "\n").map {
            $0.split(separator: " ").joined(separator: " ")
        }
        #expect(lines.prefix(2) == ["exec-box", "in-rootfs"])
        // Only the container's processes, numbered from its init.
        let processes = Array(lines.dropFirst(2).prefix(4))
        #expect(processes.prefix(2) == ["PID COMMAND", "1 sleep"])
        #expect(processes.dropFirst(2).map { $0.split(separator: " ").last } == ["sh", "ps"])
        let namespaces = names.map { readLink("/proc/\(initPID)/ns/\($0)") }
        #expect(Array(lines.suffix(5)) == namespaces)
        #expect(namespaces.allSatisfy { !$0.isEmpty })
    }

    @Test func environmentDirectoryAndUserComeFromTheFlags() throws {
        let (container, id) = try startContainer("flags")
        defer { container.cleanUp() }
        let script = "echo $FOO $TERM; pwd; id -u; id -g; id -G"
        let result = try container.runcs(["exec", "-e", "FOO=bar", "--env", "TERM=dumb",
                                          "--cwd", "/etc", "-u", "1000:1001", "-g", "10",
                                          id, "sh", "-c", script])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output == "bar dumb\n/etc\n1000\n1001\n1001 10\n")
    }

    @Test func theExitStatusPassesThroughAndASignalMakes128Plus() throws {
        let (container, id) = try startContainer("status")
        defer { container.cleanUp() }
        #expect(try container.runcs(["exec", id, "sh", "-c", "exit 7"]).status == 7)
        #expect(try container.runcs(["exec", id, "sh", "-c", "kill -9 $$"]).status == 137)
    }

    @Test func signalsToExecAreForwardedToTheProcess() throws {
        let (container, id) = try startContainer("signal")
        defer { container.cleanUp() }
        let script = "trap 'echo got-term; exit 5' TERM; echo ready; "
            + "while true; do sleep 0.05; done"
        let exec = try TestContainer.spawn([TestContainer.runcsPath, "--root",
                                            container.stateRoot, "exec", id, "sh", "-c", script])
        var trapped = false
        for _ in 0..<250 where !trapped {
            usleep(20_000)
            let output = try? FileSystem.readText("\(exec.outputDirectory)/out")
            trapped = output == "ready\n"
        }
        kill(exec.pid, SIGTERM)
        let result = exec.wait()
        #expect(trapped)
        #expect(result.status == 5, "\(result.error)")
        #expect(result.output == "ready\ngot-term\n")
    }

    /// runc's exit status for its own failures, 255, whatever the cause.
    @Test func aMissingCommandExits255AndNamesIt() throws {
        let (container, id) = try startContainer("missing")
        defer { container.cleanUp() }
        let result = try container.runcs(["exec", id, "no-such-tool", "-x"])
        #expect(result.status == 255)
        #expect(result.error.contains("\"no-such-tool\": executable file not found in $PATH"),
                "\(result.error)")
        let absolute = try container.runcs(["exec", id, "/bin/no-such-tool"])
        #expect(absolute.status == 255)
        let noContainer = try container.runcs(["exec", "no-such-container", "true"])
        #expect(noContainer.status == 255)
        #expect(noContainer.error.contains("does not exist"), "\(noContainer.error)")
        #expect(absolute.error.contains("/bin/no-such-tool"), "\(absolute.error)")
    }

    @Test func detachWritesThePidFileAndPsListsTheProcessInTheCgroup() throws {
        let (container, id) = try startContainer("detach")
        defer { container.cleanUp() }
        let pidFile = "\(container.directory)/exec.pid"
        let result = try container.runcs(["exec", "--detach", "--pid-file", pidFile, id,
                                          "sleep", "60"])
        #expect(result.status == 0, "\(result.error)")
        let pid = try #require(Int32(try FileSystem.readText(pidFile)))
        let initPID = try container.initPID(id)

        let procs = try FileSystem.readText(cgroupDirectory(container) + "/cgroup.procs")
        #expect(procs.split(separator: "\n").contains("\(pid)"))
        // In every hierarchy the init is in, so is the exec'd process.
        let initCgroups = try FileSystem.readText("/proc/\(initPID)/cgroup")
        #expect(try FileSystem.readText("/proc/\(pid)/cgroup") == initCgroups)

        let json = try container.runcs(["ps", "--format", "json", id])
        #expect(json.status == 0, "\(json.error)")
        let pids = try JSONDecoder().decode([Int32].self, from: Data(json.output.utf8))
        #expect(pids == [initPID, pid].sorted())

        let table = try container.runcs(["ps", id])
        #expect(table.status == 0, "\(table.error)")
        let rows = table.output.split(separator: "\n")
        #expect(rows.first?.contains("PID") == true)
        #expect(rows.count == 3)
        #expect(rows.contains { $0.contains("sleep 60") })
    }

    @Test func aTerminalGoesOverTheConsoleSocketWithTheProcessFile() throws {
        let (container, id) = try startContainer("tty")
        defer { container.cleanUp() }
        var process = try #require(container.spec.process)
        process.args = ["sh", "-c", "tty; stty size; echo $FOO; [ -e /dev/console ] || echo no"]
        process.env = ["PATH=/usr/bin:/bin", "FOO=from-file"]
        process.terminal = true
        process.consoleSize = Spec.ConsoleSize(height: 30, width: 100)
        let processPath = "\(container.directory)/process.json"
        try FileSystem.writeAtomically(processPath, Array(JSONEncoder().encode(process)))
        let socketPath = "\(container.directory)/console.sock"
        let listener = try TestContainer.makeListener(at: socketPath)
        defer { close(listener) }
        let pidFile = "\(container.directory)/exec.pid"

        // The flags containerd's shim passes.
        let exec = try TestContainer.spawn([
            TestContainer.runcsPath, "--root", container.stateRoot, "exec",
            "--process", processPath, "--console-socket", socketPath, "--detach",
            "--pid-file", pidFile, id,
        ])
        let master = receiveMaster(listener)
        let result = exec.wait()
        #expect(result.status == 0, "\(result.error)")
        let received = try #require(master)
        defer { close(received) }
        #expect(TestContainer.readAll(received) == "/dev/pts/0\r\n30 100\r\nfrom-file\r\nno\r\n")
        #expect(Int32(try FileSystem.readText(pidFile)) != nil)
    }

    /// A process file that names no user (runc's tests write such files) runs as root.
    @Test func aProcessFileWithoutUserRunsAsRoot() throws {
        let (container, id) = try startContainer("nouser")
        defer { container.cleanUp() }
        let processPath = "\(container.directory)/process.json"
        try FileSystem.writeAtomically(processPath, text: """
            {"args": ["sh", "-c", "id -u; pwd"], "cwd": "/tmp", "terminal": false}
            """)

        let result = try container.runcs(["exec", "--process", processPath, id])

        #expect(result.status == 0, "\(result.error)")
        #expect(result.output == "0\n/tmp\n")
    }

    @Test func aForegroundTerminalIsRelayedToOurStdio() throws {
        let (container, id) = try startContainer("relay")
        defer { container.cleanUp() }
        let result = try container.runcs(["exec", "--tty", id, "sh", "-c", "tty; exit 4"])
        #expect(result.status == 4, "\(result.error)")
        #expect(result.output == "/dev/pts/0\r\n")
    }

    @Test func theContainersCapabilitiesApplyUnlessOneIsAdded() throws {
        let (container, id) = try startContainer("caps")
        defer { container.cleanUp() }
        let mount = "mount -t tmpfs none /mnt && echo mounted"
        let refused = try container.runcs(["exec", id, "sh", "-c", mount])
        #expect(refused.status != 0)
        #expect(!refused.output.contains("mounted"))

        let script = "grep CapBnd /proc/self/status; " + mount
        let added = try container.runcs(["exec", "--cap", "CAP_SYS_ADMIN", id, "sh", "-c", script])
        #expect(added.status == 0, "\(added.error)")
        // CAP_KILL, CAP_NET_BIND_SERVICE, CAP_AUDIT_WRITE, and CAP_SYS_ADMIN (21).
        #expect(added.output == "CapBnd:\t0000000020200420\nmounted\n")
    }

    @Test(arguments: [true, false])
    func theContainersSeccompFilterApplies(noNewPrivileges: Bool) throws {
        let (container, id) = try startContainer("seccomp") { container in
            container.spec.process?.noNewPrivileges = noNewPrivileges
            container.spec.mounts?.append(Spec.Mount(destination: "/tmp", type: "tmpfs",
                                                     source: "tmpfs"))
            container.spec.linux?.seccomp = TestContainer.mkdirRefusingProfile
        }
        defer { container.cleanUp() }
        let result = try container.runcs(["exec", id, "sh", "-c", "mkdir /tmp/blocked 2>&1"])
        #expect(result.status != 0)
        #expect(result.output.contains("Operation not permitted"), "\(result.output)")
    }

    @Test func execIntoAStoppedOrMissingContainerFails() throws {
        let container = try TestContainer.alpine(args: ["true"])
        defer { container.cleanUp() }
        let id = container.makeID("stopped")
        #expect(try container.runcs(["create", "--bundle", container.bundle, id]).status == 0)
        #expect(try container.runcs(["start", id]).status == 0)
        var stopped = false
        for _ in 0..<250 where !stopped {
            usleep(20_000)
            stopped = try container.runcs(["state", id]).output.contains("\"stopped\"")
        }
        #expect(stopped)

        let result = try container.runcs(["exec", id, "true"])
        #expect(result.status == 255)
        #expect(result.error.contains("container not running"), "\(result.error)")
        let missing = try container.runcs(["exec", "no-such-container", "true"])
        #expect(missing.status == 255)
        #expect(missing.error.contains("does not exist"), "\(missing.error)")
    }

    @Test func aPausedContainerTakesAnExecOnlyWithIgnorePaused() throws {
        let (container, id) = try startContainer("paused")
        defer { container.cleanUp() }
        let freezer = freezer(container)
        try FileSystem.writeKnob(freezer.file, freezer.frozen)
        defer { try? FileSystem.writeKnob(freezer.file, freezer.thawed) }
        var paused = false
        for _ in 0..<250 where !paused {
            paused = try container.runcs(["state", id]).output.contains("\"paused\"")
            usleep(paused ? 0 : 20_000)
        }
        try #require(paused)

        let refused = try container.runcs(["exec", id, "true"])
        #expect(refused.status == 255)
        #expect(refused.error.contains("--ignore-paused"), "\(refused.error)")
        #expect(refused.error.contains("cannot exec in a paused container"))

        // The process joins the frozen cgroup and runs once it is thawed. While it waits
        // (v1 then reads FREEZING, not FROZEN) the container is still paused, and
        // `resume` is what lets it go.
        let exec = try TestContainer.spawn([TestContainer.runcsPath, "--root",
                                            container.stateRoot, "exec", "--ignore-paused", id,
                                            "sh", "-c", "echo ran"])
        usleep(200_000)
        #expect(try container.runcs(["state", id]).output.contains("\"paused\""))
        let resumed = try container.runcs(["resume", id])
        #expect(resumed.status == 0, "\(resumed.error)")
        let result = exec.wait()
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output == "ran\n")
    }

    @Test func psTableKeepsTheHeaderAndTheContainersLines() throws {
        let table = """
            UID          PID    PPID  C STIME TTY          TIME CMD
            root           1       0  0 08:00 ?        00:00:01 /sbin/init
            root        4242       1  0 08:01 ?        00:00:00 sleep 300
            root        4243    4242  0 08:01 ?        00:00:00 sh -c 1 4242

            """
        let filtered = try Runtime.filterProcessTable(table, keeping: [4242, 4243])
        let lines = table.split(separator: "\n")
        #expect(filtered == [lines[0], lines[2], lines[3]].joined(separator: "\n") + "\n")
        #expect(throws: RuntimeError.self) {
            try Runtime.filterProcessTable("COMMAND\nsh\n", keeping: [1])
        }
    }
}
