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
}
