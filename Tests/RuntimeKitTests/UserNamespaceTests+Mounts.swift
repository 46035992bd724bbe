import Glibc
@testable import RuntimeKit
import SystemKit
import Testing

/// Bind sources the container's mapped root cannot reach, and exec into a container
/// that has a user namespace of its own.
extension UserNamespaceTests {
    /// A directory that only the host's root may enter (mode 700), holding a directory
    /// `data` with a file `note` that says "hidden".
    func hiddenSource() throws -> (directory: String, source: String) {
        let directory = try TestContainer.temporaryDirectory(prefix: "runcs-userns-hidden")
        let source = "\(directory)/private/data"
        try FileSystem.createDirectory(source)
        try FileSystem.writeAtomically("\(source)/note", Array("hidden\n".utf8), mode: 0o644)
        chmod("\(directory)/private", 0o700)
        return (directory, source)
    }

    @Test func bindSourcesOutOfTheMappedRootsReachAreMountedAnyway() throws {
        let (directory, source) = try hiddenSource()
        defer { try? FileSystem.removeTree(directory) }
        let container = try mappedContainer("cat /first/note /second/note")
        defer { container.cleanUp() }
        for target in ["/first", "/second"] {
            container.spec.mounts?.append(Spec.Mount(destination: target, type: "bind",
                                                     source: source, options: ["bind"]))
        }

        let result = try container.run()
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output == "hidden\nhidden\n")
    }

    @Test func execEntersTheContainersUserNamespaceWithTheProcessUserMapped() throws {
        let (directory, source) = try hiddenSource()
        defer { try? FileSystem.removeTree(directory) }
        let container = try mappedContainer("sleep 30")
        defer { container.cleanUp() }
        container.spec.mounts?.append(Spec.Mount(destination: "/data", type: "bind",
                                                 source: source, options: ["bind"]))
        // Writable by the container's user 1000, that is by host user 101000.
        let output = "\(directory)/out"
        try FileSystem.createDirectory(output)
        chown(output, Self.hostBase + 1000, Self.hostBase + 1000)
        container.spec.mounts?.append(Spec.Mount(destination: "/out", type: "bind",
                                                 source: output, options: ["bind", "rw"]))
        let id = container.makeID("userns-exec")
        let started = try container.runcs(["run", "-d", "-b", container.bundle, id])
        try #require(started.status == 0, "\(started.error)")
        let pid = try container.initPID(id)

        let script = "readlink /proc/self/ns/user; id -u; cat /proc/self/uid_map /data/note"
        let asRoot = try container.runcs(["exec", id, "sh", "-c", script])
        #expect(asRoot.status == 0, "\(asRoot.error)")
        #expect(words(asRoot.output) == [try readLink("/proc/\(pid)/ns/user"), "0",
                                         "0", "\(Self.hostBase)", "65536", "hidden"])

        // A container user is the mapped host user: its files are made as host 101000.
        let asUser = try container.runcs(["exec", "-u", "1000:1000", id, "sh", "-c",
                                          "id -u; id -g; touch /out/made"])
        #expect(asUser.status == 0, "\(asUser.error)")
        #expect(words(asUser.output) == ["1000", "1000"])
        var status = stat()
        #expect(stat("\(output)/made", &status) == 0)
        #expect(status.st_uid == Self.hostBase + 1000 && status.st_gid == Self.hostBase + 1000)
    }
}

/// exec by an unprivileged user into its rootless container.
extension UserNamespaceTests {
    @Test func anUnprivilegedUserExecsIntoItsRootlessContainer() throws {
        let user = try TemporaryUser()
        defer { user.remove() }
        let bundle = try RootlessBundle(user: user)
        defer { bundle.cleanUp() }
        try bundle.configure(args: ["sleep", "30"])
        let runcs = [TestContainer.runcsPath, "--root", bundle.stateRoot]
        let id = "rootless-exec-\(getpid())"
        let started = try user.execute(runcs + ["run", "-d", "-b", bundle.path, id])
        try #require(started.status == 0, "\(started.error)")
        defer { _ = try? user.execute(runcs + ["delete", "--force", id]) }

        let result = try user.execute(runcs + ["exec", id, "sh", "-c",
                                               "id -u; cat /proc/self/uid_map; cat /proc/1/comm"])
        #expect(result.status == 0, "\(result.error)")
        #expect(words(result.output) == ["0", "0", "\(user.uid)", "1", "sleep"])
    }
}
