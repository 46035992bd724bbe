import Glibc
import RuntimeKit
import SystemKit
import Testing

/// The security properties of issue 2, each attacked from inside a container.
@Suite struct SecurityTests {
    @Test func noDescriptorOrDirectoryOfTheRuntimeReachesTheContainer() throws {
        let script = "ls /proc/$$/fd; readlink /proc/1/cwd"
        let container = try TestContainer(args: ["sh", "-c", script])
        defer { container.cleanUp() }
        // A host directory open as fd 7 in the caller, as in the "leaky vessels" attacks.
        let hostDirectory = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { close(hostDirectory) }
        try container.writeSpec()
        let result = try container.runcs(["run", "-b", container.bundle, container.makeID("fds")],
                                          extraFD: hostDirectory)
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output == "0\n1\n2\n/\n")
    }

    @Test func aCwdThroughProcSelfFdIsRefused() throws {
        let container = try TestContainer(args: ["sh", "-c", "pwd"])
        defer { container.cleanUp() }
        container.spec.process?.cwd = "/proc/self/fd/7"
        let hostDirectory = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { close(hostDirectory) }
        let result = try container.runcs(["run", "-b", container.bundle, container.makeID("cwd")],
                                          extraFD: hostDirectory)
        #expect(result.status != 0)
        #expect(result.error.contains("/proc/self/fd/7"))
        #expect(result.output.isEmpty)
    }

    @Test func symlinkedMountDestinationsAndCwdStayInsideTheRootfs() throws {
        let outside = try TestContainer.temporaryDirectory(prefix: "runcs-outside")
        defer { try? FileSystem.removeTree(outside) }
        let container = try TestContainer(args: ["sh", "-c", "pwd; ls /escape-mount"])
        defer { container.cleanUp() }
        // Both links name a host directory, absolutely and through "..".
        symlink(outside, "\(container.rootfs)/escape-mount")
        symlink("../../../../../../../..\(outside)", "\(container.rootfs)/escape-cwd")
        try FileSystem.writeAtomically("\(outside)/host-secret", text: "secret")
        container.spec.mounts?.append(Spec.Mount(destination: "/escape-mount/sub", type: "tmpfs",
                                                 source: "tmpfs"))
        container.spec.process?.cwd = "/escape-cwd"

        let result = try container.run()
        #expect(result.status == 0, "\(result.error)")
        // The mount landed in the rootfs's copy of the path, empty and not the host's.
        #expect(result.output == "\(outside)\nsub\n")
        #expect(try FileSystem.listDirectory(outside) == ["host-secret"])
        #expect(FileSystem.isDirectory("\(container.rootfs)\(outside)/sub"))
    }

    @Test func theRuncsBinaryCannotBeOverwrittenThroughProcExe() throws {
        let container = try TestContainer(args: ["sleep", "30"])
        defer { container.cleanUp() }
        // A private copy of runcs, so that no other test executes it (which would make
        // writes fail with ETXTBSY and prove nothing).
        let runcs = "\(container.directory)/runcs-copy"
        try TestContainer.copyFile(TestContainer.runcsPath, to: runcs, mode: 0o755)
        let before = try FileSystem.read(runcs)
        let id = container.makeID("exe")
        try container.writeSpec()
        let created = try TestContainer.execute([runcs, "--root", container.stateRoot, "create",
                                                 "-b", container.bundle, id])
        #expect(created.status == 0, "\(created.error)")
        let pid = try container.initPID(id)

        // The attack of CVE-2019-5736: from inside the container, hold the init's
        // executable open while it is runcs, and write through it once runcs has exec'd
        // the container's process and no longer runs.
        let attacker = try TestContainer.spawn([
            "/usr/bin/nsenter", "-t", String(pid), "-m", "-p", "-r", "-w", "/bin/busybox", "sh",
            "-c", """
                exec 3</proc/1/exe || exit 3
                while [ "$(cat /proc/1/comm)" != sleep ]; do sleep 0.05; done
                echo pwned >> /proc/self/fd/3 && echo wrote || echo refused
                """,
        ])
        usleep(200_000)
        let started = try TestContainer.execute([runcs, "--root", container.stateRoot, "start",
                                                 id])
        #expect(started.status == 0, "\(started.error)")
        let attack = attacker.wait()
        #expect(attack.output == "refused\n", "\(attack.error)")
        #expect(attack.error.contains("Read-only file system"))
        #expect(try FileSystem.read(runcs) == before)
    }

    @Test func aRootfsOwnedByAnotherUserWorksWithAWarning() throws {
        let container = try TestContainer(args: ["sh", "-c", "stat -c %u /bin/busybox"])
        defer { container.cleanUp() }
        chown(container.rootfs, 12345, 12345)
        chown("\(container.rootfs)/bin", 12345, 12345)
        chown("\(container.rootfs)/bin/busybox", 12345, 12345)
        let result = try container.run()
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output == "12345\n")
        #expect(result.error.contains("owned by uid 12345"))
        #expect(result.error.contains("chown -R 0:0"))
    }
}

/// proc and sysfs must land on real directories, where the masked and read-only paths
/// find them.
@Suite struct ProcOnASymlinkTests {
    @Test(arguments: ["proc", "sys"])
    func aSymlinkWhereProcOrSysGoesIsRefused(directory: String) throws {
        let container = try TestContainer(args: ["true"])
        defer { container.cleanUp() }
        try FileSystem.createDirectory(container.rootfs + "/elsewhere")
        symlink("/elsewhere", container.rootfs + "/" + directory)

        let result = try container.run()

        #expect(result.status != 0)
        #expect(result.error.contains("must be mounted on ordinary directory"),
                "\(result.error)")
        #expect(result.error.contains("/\(directory)"), "\(result.error)")
    }
}
