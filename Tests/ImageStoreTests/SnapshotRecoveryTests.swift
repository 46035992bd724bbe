import Glibc
import ImageSpec
import Testing
@testable import ImageStore
import SystemKit

@Suite struct SnapshotRecoveryTests {
    @Test func openingRemovesHalfExtractedAndUnknownSnapshots() throws {
        let images = try TestSupport.sharedImages()
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        let root = directory + "/root"
        let kept: [String]
        do {
            let service = try ImageService(root: root)
            try service.importArchive(path: images + "/alpine-3.20.3-amd64.docker.tar")
            kept = try service.snapshots.all().map(\.key)
            // What a crash mid-unpack leaves: an extracting row with files, a stray dir.
            try service.run("""
                INSERT INTO snapshots (key, parent, kind, chain_id, created)
                VALUES ('sha256:half', NULL, 'extracting', 'sha256:half', 'now')
                """)
            let id = service.database.lastInsertedRowID
            try FileSystem.createDirectory(root + "/snapshots/\(id)/fs")
            try FileSystem.writeAtomically(root + "/snapshots/\(id)/fs/partial", text: "x")
            try FileSystem.createDirectory(root + "/snapshots/999999/fs")
            // A blob committed by an import that was killed before recording its name.
            let writer = try service.content.writer()
            try writer.write(Array("orphan".utf8))
            try writer.commit()
        }

        let reopened = try ImageService(root: root)

        #expect(try reopened.snapshots.all().map(\.key) == kept)
        #expect(try FileSystem.listDirectory(root + "/snapshots").count == kept.count)
        #expect(try reopened.list().map(\.name) == ["docker.io/library/alpine:3.20.3"])
        #expect(!reopened.content.exists(Digest.sha256(of: Array("orphan".utf8))))
        #expect(try reopened.content.list().count == 3)
    }

    @Test func createImageChecksContentForTheWantedPlatform() throws {
        let images = try TestSupport.sharedImages()
        let source = try TestStore()
        defer { source.close() }
        try source.service.importArchive(path: images + "/alpine-3.20.3-multiarch.oci.tar")
        let index = try source.service.get("alpine:3.20.3").target
        let arm = Platform(os: "linux", architecture: "arm64", variant: "v8")
        let store = try TestStore()
        defer { store.close() }

        // Copy what an arm64-only pull brings: the index, the arm64 manifest and its blobs.
        let inspection = try ImageService(root: source.directory + "/root",
                                          options: .init(platform: arm)).inspect("alpine:3.20.3")
        let wanted = [index.digest, inspection.manifestDescriptor.digest,
                      inspection.manifest.config.digest] + inspection.manifest.layers.map(\.digest)
        for digest in wanted {
            let writer = try store.service.content.writer()
            try writer.write(try source.service.content.read(digest))
            try writer.commit(expectedDigest: digest)
        }

        #expect(throws: ImageStoreError.self) {
            try store.service.createImage(name: "alpine:arm", target: index)
        }
        let record = try store.service.createImage(name: "alpine:arm", target: index,
                                                   platform: arm)
        #expect(record.name == "docker.io/library/alpine:arm")
    }

    @Test func leasedBlobSurvivesCollectionUntilTheLeaseEnds() throws {
        let store = try TestStore()
        defer { store.close() }
        let bytes = Array("pulled but not yet named".utf8)
        let lease = try store.service.beginLease()
        let writer = try store.service.content.writer()
        try writer.write(bytes)
        let (digest, _) = try writer.commit()
        try store.service.addToLease(lease, digest: digest)

        #expect(try store.service.garbageCollect().removedBlobs.isEmpty)
        try store.service.endLease(lease)
        #expect(try store.service.garbageCollect().removedBlobs == [digest])
    }
}
