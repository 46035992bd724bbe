import Glibc
@testable import RuntimeKit
import SystemKit
import Testing

/// The container's mount namespace: one joined by path, and what `--no-pivot` leaves
/// in it.
@Suite struct MountNamespaceTests {
    /// The target of the symbolic link at `path`, such as "mnt:[4026532174]".
    func readLink(_ path: String) -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = max(0, readlink(path, &buffer, buffer.count - 1))
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    @Test func aMountNamespaceGivenByPathIsJoinedAndTheRootBuiltInIt() throws {
        // A host process in a private mount namespace of its own.
        let holder = try TestContainer.spawn(["/usr/bin/unshare", "--mount", "sleep", "30"])
        defer {
            kill(holder.pid, SIGKILL)
            _ = holder.wait()
        }
        let theirs = "/proc/\(holder.pid)/ns/mnt"
        var namespace = readLink(theirs)
        for _ in 0..<100 where namespace == readLink("/proc/self/ns/mnt") {
            usleep(20_000)
            namespace = readLink(theirs)
        }
        try #require(namespace != readLink("/proc/self/ns/mnt"))

        let script = "readlink /proc/self/ns/mnt; cat /marker /proc/1/comm; exit 0"
        let container = try TestContainer(args: ["sh", "-c", script])
        defer { container.cleanUp() }
        try FileSystem.writeAtomically("\(container.rootfs)/marker", Array("ours\n".utf8))
        let namespaces = container.spec.linux?.namespaces ?? []
        container.spec.linux?.namespaces = namespaces.map { entry in
            entry.type == "mount" ? Spec.Namespace(type: "mount", path: theirs) : entry
        }
        let result = try container.run()
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output == "\(namespace)\nours\nsh\n")

        // Nothing of the container's root reached our mount namespace.
        let ours = try FileSystem.readText("/proc/self/mountinfo")
        #expect(!ours.contains(container.rootfs))
    }

    @Test func noPivotLeavesNoBareProcForANestedUserNamespaceToMount() throws {
        let script = "unshare -mrpf sh -c 'echo inside; mount -t proc none /proc && echo mounted'"
        let container = try TestContainer.alpine(args: ["/bin/sh", "-c", script])
        defer { container.cleanUp() }
        // Mapping root in a nested user namespace takes CAP_SETFCAP.
        container.spec.process?.capabilities?.bounding?.append("CAP_SETFCAP")
        container.spec.process?.capabilities?.permitted?.append("CAP_SETFCAP")

        try container.writeSpec()
        let result = try TestContainer.execute([
            TestContainer.runcsPath, "--root", container.stateRoot, "run", "--no-pivot",
            "--bundle", container.bundle, container.makeID("no-pivot"),
        ])
        #expect(result.output == "inside\n", "\(result.error)")
        #expect(result.error.contains("Permission denied")
                || result.error.contains("permission denied"), "\(result.error)")
        #expect(result.status != 0)
    }

    @Test func withoutAMountNamespaceTheMountsGoBelowTheRootfsHereUntilDelete() throws {
        let container = try TestContainer(args: ["sh", "-c",
                                                 "readlink /proc/self/ns/mnt; sleep 30"])
        defer { container.cleanUp() }
        let namespaces = container.spec.linux?.namespaces ?? []
        container.spec.linux?.namespaces = namespaces.filter { $0.type != "mount" }
        container.spec.linux?.maskedPaths = nil
        container.spec.linux?.readonlyPaths = nil
        container.spec.root?.readonly = false
        let id = container.makeID("shared-mounts")
        let created = try container.runcs(["create", "--bundle", container.bundle, id])
        try #require(created.status == 0, "\(created.error)")

        // The container's proc is mounted in our namespace, below its rootfs.
        let whileCreated = try FileSystem.readText("/proc/self/mountinfo")
        #expect(whileCreated.contains(" \(container.rootfs)/proc "))
        let pid = try container.initPID(id)
        #expect(readLink("/proc/\(pid)/ns/mnt") == readLink("/proc/self/ns/mnt"))
        #expect(readLink("/proc/\(pid)/root") == container.rootfs)

        let deleted = try container.runcs(["delete", "--force", id])
        #expect(deleted.status == 0, "\(deleted.error)")
        let afterDelete = try FileSystem.readText("/proc/self/mountinfo")
        #expect(!afterDelete.contains(container.rootfs))
    }

    @Test func withoutAMountNamespaceMaskedPathsAreRefused() throws {
        let container = try TestContainer(args: ["true"])
        defer { container.cleanUp() }
        let namespaces = container.spec.linux?.namespaces ?? []
        container.spec.linux?.namespaces = namespaces.filter { $0.type != "mount" }
        let result = try container.run()
        #expect(result.status != 0)
        #expect(result.error.contains("linux.maskedPaths needs a mount namespace"),
                "\(result.error)")
    }
}
