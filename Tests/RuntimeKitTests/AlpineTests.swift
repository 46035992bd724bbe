import Glibc
import RuntimeKit
import SystemKit
import Testing

/// Containers on the real Alpine 3.20.3 minirootfs from ../shared/images.
@Suite struct AlpineTests {
    /// A TestContainer whose rootfs is Alpine.
    func alpine(_ script: String) throws -> TestContainer {
        try TestContainer.alpine(args: ["/bin/sh", "-c", script])
    }

    @Test func alpineRunsWithItsOwnUserlandAndIsolation() throws {
        let script = """
            cat /etc/alpine-release; echo $$; hostname; id -u; ulimit -n
            mount | grep ' / ' | grep -o 'ro,' | head -1
            grep CapBnd /proc/self/status
            for f in /proc/kcore /proc/timer_list; do [ -e $f ] && cat $f | wc -c; done
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
        // Every masked file that exists here reads empty (this host has no /proc/kcore).
        let masked = lines.dropFirst(7)
        #expect(!masked.isEmpty && masked.allSatisfy { $0 == "0" })
    }
}
