import Glibc
import ImageSpec
import Testing
@testable import ImageStore
import SystemKit

/// Layers that try to write outside the image root. Each aims at a canary directory
/// on the host, which must stay empty; each layer is refused with an error naming the
/// entry; and the store is left as if nothing had been imported.
@Suite struct HostileLayerTests {
    /// Builds an image from `layers` (Python), imports it, and checks the refusal.
    func expectRefused(_ layers: (_ canary: String, _ up: String) -> String,
                       naming entry: (_ canary: String, _ up: String) -> String) throws {
        let store = try TestStore()
        defer { store.close() }
        let canary = try TestSupport.canary(store.directory)
        let up = String(repeating: "../", count: 24)
        let archive = store.directory + "/hostile.tar"
        try TestSupport.buildImage(store.directory, archive,
                                   "image(OUT, 'test/hostile:1', \(layers(canary, up)))")

        do {
            try store.service.importArchive(path: archive)
            Issue.record("hostile layer was accepted")
        } catch {
            let message = "\(error)"
            #expect(message.contains("\"\(entry(canary, up))\""), "error was: \(message)")
        }

        #expect(try FileSystem.listDirectory(canary).isEmpty)
        let inventory = try store.inventory()
        #expect(inventory.images.isEmpty)
        #expect(inventory.blobs.isEmpty)
        #expect(inventory.snapshots.isEmpty)
    }

    @Test func dotDotEntryIsRefused() throws {
        try expectRefused({ canary, up in
            "[[f('\(up)\(canary.dropFirst())/pwned', 'x')]]"
        }, naming: { canary, up in "\(up)\(canary.dropFirst())/pwned" })
    }

    @Test func absolutePathEntryIsRefused() throws {
        try expectRefused({ canary, _ in "[[f('\(canary)/pwned', 'x')]]" },
                          naming: { canary, _ in "\(canary)/pwned" })
    }

    @Test func absoluteSymlinkIsFollowedInsideTheRootOnly() throws {
        try expectRefused({ canary, _ in "[[l('etc', '\(canary)'), f('etc/passwd', 'x')]]" },
                          naming: { _, _ in "etc/passwd" })
    }

    @Test func lowerLayerSymlinkIsFollowedInsideTheRootOnly() throws {
        try expectRefused({ canary, _ in
            "[[l('etc', '\(canary)')], [f('etc/passwd', 'x')]]"
        }, naming: { _, _ in "etc/passwd" })
    }

    @Test func relativeSymlinkClimbingOutStopsAtTheRoot() throws {
        try expectRefused({ canary, up in
            "[[l('up', '\(up)'), f('up\(canary)/pwned', 'x')]]"
        }, naming: { canary, _ in "up\(canary)/pwned" })
    }

    @Test func hardLinkOutsideIsRefused() throws {
        try expectRefused({ canary, up in
            "[[h('x', '\(up)\(canary.dropFirst())/../outside'), f('x', 'pwned')]]"
        }, naming: { _, _ in "x" })
    }

    @Test func whiteoutOutsideIsRefused() throws {
        try expectRefused({ canary, up in
            "[[d('a')], [f('a/\(up)\(canary.dropFirst())/.wh.victim')]]"
        }, naming: { canary, up in "a/\(up)\(canary.dropFirst())/.wh.victim" })
    }

    @Test func whiteoutOfDotDotIsRefused() throws {
        try expectRefused({ _, _ in "[[d('a')], [f('a/.wh..')]]" },
                          naming: { _, _ in "a/.wh.." })
    }

    @Test func symlinkLoopIsRefused() throws {
        try expectRefused({ _, _ in "[[l('a', 'b'), l('b', 'a'), f('a/x', 'x')]]" },
                          naming: { _, _ in "a/x" })
    }

    @Test func hardLinkWithAbsoluteTargetIsRefused() throws {
        try expectRefused({ canary, _ in "[[h('x', '\(canary)/../outside')]]" },
                          naming: { _, _ in "x" })
    }

    @Test func legitimateSymlinksInsideTheImageKeepWorking() throws {
        let store = try TestStore()
        defer { store.close() }
        let archive = store.directory + "/legit.tar"
        try TestSupport.buildImage(store.directory, archive, """
            image(OUT, 'test/legit:1', [
                [d('usr'), d('usr/lib'), l('lib', 'usr/lib'), d('host'), l('etc', '/host')],
                [f('lib/libc.so', 'libc'), l('lib64', '/usr/lib'), f('lib64/ld.so', 'ld'),
                 f('etc/passwd', 'root')]])
            """)

        try store.service.importArchive(path: archive)
        let view = try store.mount("test/legit:1")
        defer { try? store.unmount(view) }

        #expect(try FileSystem.readText(view + "/usr/lib/libc.so") == "libc")
        #expect(try FileSystem.readText(view + "/usr/lib/ld.so") == "ld")
        #expect(try FileSystem.readText(view + "/host/passwd") == "root")
        var status = stat()
        lstat(view + "/lib", &status)
        #expect((status.st_mode & S_IFMT) == S_IFLNK)
    }
}
