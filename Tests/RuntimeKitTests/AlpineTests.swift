import Glibc
import RuntimeKit
import SystemKit
import Testing

/// Containers on the real Alpine 3.20.3 minirootfs from ../shared/images.
@Suite struct AlpineTests {
    static let tarball = packageRoot() + "/../shared/images/alpine-minirootfs-3.20.3-x86_64.tar.gz"

    /// A TestContainer whose rootfs is Alpine, unpacked with tar.
    func alpine(_ script: String) throws -> TestContainer {
        try #require(FileSystem.exists(Self.tarball),
                     "Alpine rootfs missing: expected \(Self.tarball) (the shared images)")
        let container = try TestContainer(args: ["/bin/sh", "-c", script])
        try FileSystem.removeTree(container.rootfs)
        try FileSystem.createDirectory(container.rootfs)
        let unpack = try TestContainer.execute(["/bin/tar", "-xzf", Self.tarball, "-C",
                                                container.rootfs])
        try #require(unpack.status == 0, "tar: \(unpack.error)")
        return container
    }

    @Test func alpineRunsWithItsOwnUserlandAndIsolation() throws {
        let script = """
            cat /etc/alpine-release; echo $$; hostname; id -u; ulimit -n
            mount | grep ' / ' | grep -o 'ro,' | head -1
            grep CapBnd /proc/self/status
            cat /proc/kcore 2>/dev/null | wc -c
            """
        let container = try alpine(script)
        defer { container.cleanUp() }
        container.spec.hostname = "alpine-box"
        let result = try container.run()
        #expect(result.status == 0, "\(result.error)")
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines.first == "3.20.3")
        #expect(lines.dropFirst().prefix(4) == ["1", "alpine-box", "0", "1024"])
        #expect(lines.dropFirst(5).first == "ro,")
        #expect(lines.dropFirst(6).first?.hasPrefix("CapBnd:") == true)
        #expect(lines.last == "0")
    }
}
