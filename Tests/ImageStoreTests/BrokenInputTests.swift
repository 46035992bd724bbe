import Glibc
import ImageSpec
import Testing
@testable import ImageStore
import SystemKit

/// Archives that lie or are damaged: each import fails with a clear error and leaves
/// the store as it was (here: with the shared Alpine image imported before).
@Suite struct BrokenInputTests {
    func expectFailure(_ script: String, containing text: String) throws {
        let images = try TestSupport.sharedImages()
        let store = try TestStore()
        defer { store.close() }
        try store.service.importArchive(path: images + "/alpine-3.20.3-amd64.docker.tar")
        let before = try store.inventory()
        let archive = store.directory + "/broken.tar"
        try TestSupport.buildImage(store.directory, archive, script)

        do {
            try store.service.importArchive(path: archive)
            Issue.record("a broken archive was imported")
        } catch {
            #expect("\(error)".contains(text), "error was: \(error)")
        }

        let after = try store.inventory()
        #expect(after.images == before.images)
        #expect(after.blobs == before.blobs)
        #expect(after.snapshots == before.snapshots)
    }

    @Test func blobWhoseDigestLies() throws {
        try expectFailure("image(OUT, 'test/broken:1', [[f('a', 'x' * 1000)]], lie='digest')",
                          containing: "digest mismatch")
    }

    @Test func descriptorWhoseSizeLies() throws {
        try expectFailure("image(OUT, 'test/broken:1', [[f('a', 'x')]], lie='size')",
                          containing: "size mismatch")
    }

    @Test func truncatedGzipLayer() throws {
        try expectFailure("""
            image(OUT, 'test/broken:1', [[d('a'), f('a/big', bytes(range(256)) * 4000)]],
                  truncate=True)
            """, containing: "reading layer sha256:")
    }

    @Test func manifestPointingAtAMissingBlob() throws {
        try expectFailure("""
            image(OUT, 'test/broken:1', [[f('a')], [f('b')]], drop_layer=True)
            """, containing: "is missing")
    }

    @Test func diffIDsThatDoNotMatchTheLayers() throws {
        try expectFailure("""
            image(OUT, 'test/broken:1', [[f('a')]],
                  config_extra={'rootfs': {'type': 'layers', 'diff_ids': ['sha256:' + '0' * 64]}})
            """, containing: "uncompressed layer")
    }

    @Test func hostileLayerAfterGoodOnesRemovesTheirSnapshotsToo() throws {
        try expectFailure("""
            image(OUT, 'test/broken:1', [[d('etc'), f('etc/good')], [f('../../x')]])
            """, containing: "\"../../x\" refused")
    }

    @Test func dockerArchiveWithAHostileLayerLeavesNoConvertedManifest() throws {
        try expectFailure("""
            docker_image(OUT, ['test/docker-broken:1'], [[d('etc')], [f('/etc/shadow', 'x')]])
            """, containing: "\"/etc/shadow\" refused: absolute path")
    }

    @Test func archiveWithoutNamesIsKeptUnderItsDigest() throws {
        let store = try TestStore()
        defer { store.close() }
        let archive = store.directory + "/nameless.tar"
        try TestSupport.buildImage(store.directory, archive,
                                   "image(OUT, '', [[f('hello', 'world')]], annotate=False)")

        let records = try store.service.importArchive(path: archive)

        #expect(records.count == 1)
        let name = try #require(records.first?.name)
        #expect(name == records.first?.target.digest.description)
        #expect(try store.service.get(name).target == records.first?.target)
        try store.service.tag(name, "test/named:1")
        let view = try store.mount("test/named:1")
        defer { try? store.unmount(view) }
        #expect(try FileSystem.readText(view + "/hello") == "world")
    }

    @Test func archiveThatIsNotAnImage() throws {
        let store = try TestStore()
        defer { store.close() }
        let archive = store.directory + "/plain.tar"
        #expect(TestSupport.run(["tar", "-cf", archive, "-C", "/etc", "hostname"]) == 0)

        #expect(throws: ImageStoreError.self) {
            try store.service.importArchive(path: archive)
        }
        let inventory = try store.inventory()
        #expect(inventory.blobs.isEmpty && inventory.images.isEmpty)
    }
}
