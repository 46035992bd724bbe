import Glibc
import ImageSpec
import Testing
@testable import ImageStore
import SystemKit

@Suite struct ImportTests {
    /// The upstream minirootfs unpacked with tar, described path by path.
    static func upstreamTree(_ directory: String, _ images: String) throws -> [String: String] {
        let target = directory + "/upstream"
        try FileSystem.createDirectory(target)
        let status = TestSupport.run(["tar", "--numeric-owner", "-xpzf",
                                      images + "/alpine-minirootfs-3.20.3-x86_64.tar.gz",
                                      "-C", target])
        #expect(status == 0)
        return try TestSupport.describeTree(target)
    }

    @Test func ociArchiveImportsAndUnpacksToTheUpstreamRoot() throws {
        let images = try TestSupport.sharedImages()
        let store = try TestStore()
        defer { store.close() }

        let records = try store.service.importArchive(
            path: images + "/alpine-3.20.3-multiarch.oci.tar")

        #expect(Set(records.map(\.name)) == ["docker.io/library/alpine:3.20.3",
                                             "docker.io/library/alpine:latest"])
        #expect(records.allSatisfy { $0.target.mediaType == MediaType.ociIndex })
        let pinned = "alpine@" + records[0].target.digest.description
        #expect(try store.service.get(pinned).target == records[0].target)
        let view = try store.mount("alpine:3.20.3")
        let unpacked = try TestSupport.describeTree(view)
        try store.unmount(view)
        let upstream = try Self.upstreamTree(store.directory, images)
        #expect(upstream.count > 400)
        #expect(unpacked.count == upstream.count)
        for (path, expected) in upstream where unpacked[path] != expected {
            Issue.record("\(path): unpacked \(unpacked[path] ?? "missing"), upstream \(expected)")
        }
    }

    @Test func dockerSaveArchiveImportsWithDockerMediaTypes() throws {
        let images = try TestSupport.sharedImages()
        let store = try TestStore(snapshotter: .copy)
        defer { store.close() }

        let records = try store.service.importArchive(
            path: images + "/alpine-3.20.3-amd64.docker.tar")

        #expect(records.map(\.name) == ["docker.io/library/alpine:3.20.3"])
        #expect(records.first?.target.mediaType == MediaType.dockerManifest)
        let inspection = try store.service.inspect("alpine:3.20.3")
        #expect(inspection.manifest.layers.first?.mediaType
            == "application/vnd.docker.image.rootfs.diff.tar")
        #expect(inspection.configuration.config?.Cmd == ["/bin/sh"])
        let view = try store.mount("docker.io/library/alpine:3.20.3")
        let unpacked = try TestSupport.describeTree(view)
        try store.unmount(view)
        let upstream = try Self.upstreamTree(store.directory, images)
        #expect(unpacked == upstream)
    }

    @Test func importingTwiceWritesNothingNew() throws {
        let images = try TestSupport.sharedImages()
        let store = try TestStore()
        defer { store.close() }
        let archive = images + "/alpine-3.20.3-multiarch.oci.tar"

        try store.service.importArchive(path: archive)
        let first = try store.inventory()
        let blobInodes = first.blobs.map { digest in
            var status = stat()
            lstat(store.service.content.path(of: digest), &status)
            return status.st_ino
        }
        try store.service.importArchive(path: archive)
        let second = try store.inventory()

        #expect(first.blobs == second.blobs)
        #expect(first.snapshots == second.snapshots)
        let secondInodes = second.blobs.map { digest in
            var status = stat()
            lstat(store.service.content.path(of: digest), &status)
            return status.st_ino
        }
        #expect(secondInodes == blobInodes, "a blob was rewritten")
        // amd64 and arm64 manifests, configs and layers, the index: nothing stray.
        #expect(first.blobs.count == 7)
        #expect(first.snapshots.count == 1)
    }

    @Test func allPlatformsAndIndexNameRecordTheWholeIndex() throws {
        let images = try TestSupport.sharedImages()
        let store = try TestStore()
        defer { store.close() }

        let records = try store.service.importArchive(
            path: images + "/alpine-3.20.3-multiarch.oci.tar", allPlatforms: true,
            indexName: "example.com/mirror/alpine:all")

        #expect(records.map(\.name).contains("example.com/mirror/alpine:all"))
        let indexRecord = try store.service.get("example.com/mirror/alpine:all")
        #expect(indexRecord.target.mediaType == MediaType.ociIndex)
    }

    @Test func exportedArchiveIsAcceptedBySkopeoAndReimports() throws {
        let images = try TestSupport.sharedImages()
        let store = try TestStore()
        defer { store.close() }
        try store.service.importArchive(path: images + "/alpine-3.20.3-multiarch.oci.tar")
        try store.service.importArchive(path: images + "/alpine-3.20.3-amd64.docker.tar")
        try store.service.tag("alpine:3.20.3", "example.com/team/alpine:exported")

        let exported = store.directory + "/export.tar"
        try store.service.export(to: exported,
                                 references: ["example.com/team/alpine:exported", "alpine:latest"])

        let copied = store.directory + "/skopeo-dir"
        #expect(TestSupport.run(["skopeo", "copy", "--quiet",
                                 "oci-archive:" + exported + ":exported", "dir:" + copied]) == 0)
        #expect(FileSystem.exists(copied + "/manifest.json"))
        let index = copied + "-index"
        #expect(TestSupport.run(["skopeo", "copy", "--quiet", "--all",
                                 "oci-archive:" + exported + ":latest", "dir:" + index]) == 0)
        #expect(FileSystem.exists(index + "/manifest.json"))
        let other = try TestStore()
        defer { other.close() }
        let records = try other.service.importArchive(path: exported)
        #expect(records.map(\.name) == ["example.com/team/alpine:exported",
                                        "docker.io/library/alpine:latest"])
        #expect(records.first?.target.mediaType == MediaType.ociManifest)
        let exportedConfig = try other.service.inspect("example.com/team/alpine:exported")
            .manifest.config.digest
        let sourceConfig = try store.service.inspect("alpine:3.20.3").manifest.config.digest
        #expect(exportedConfig == sourceConfig)
        #expect(try records.last?.target == store.service.get("alpine:latest").target)
    }

    @Test func removeCollectsUnreferencedContentButKeepsContainerRoots() throws {
        let images = try TestSupport.sharedImages()
        let store = try TestStore()
        defer { store.close() }
        try store.service.importArchive(path: images + "/alpine-3.20.3-multiarch.oci.tar")
        let key = "container-\(getpid())-gc"
        let mounts = try store.service.prepareRoot(image: "alpine", key: key)
        #expect(mounts.first?.type == "overlay")
        #expect(mounts.first?.options.contains { $0.hasPrefix("upperdir=") } == true)

        try store.service.remove(["alpine:3.20.3"])
        #expect(try store.service.list().map(\.name) == ["docker.io/library/alpine:latest"])
        try store.service.remove(["alpine:latest"])

        let afterRemove = try store.inventory()
        #expect(afterRemove.images.isEmpty)
        #expect(afterRemove.blobs.isEmpty)
        #expect(afterRemove.snapshots.count == 2, "the root and its layer stay")
        try store.service.removeRoot(key: key)
        _ = try store.service.garbageCollect()
        #expect(try store.inventory().snapshots.isEmpty)
        do {
            try store.service.remove(["alpine", "busybox:1"])
            Issue.record("removing absent images succeeded")
        } catch {
            #expect("\(error)" == "image \"alpine\" not found; image \"busybox:1\" not found")
        }
    }

    @Test func preparedRootIsWritableAndRunConfigurationResolves() throws {
        let images = try TestSupport.sharedImages()
        let store = try TestStore()
        defer { store.close() }
        try store.service.importArchive(path: images + "/alpine-3.20.3-multiarch.oci.tar")
        let key = "container-\(getpid())-root"
        let mounts = try store.service.prepareRoot(image: "alpine:latest", key: key)
        defer { try? store.service.removeRoot(key: key) }
        let target = store.directory + "/rootfs"
        try FileSystem.createDirectory(target)

        try OverlayMount.perform(mounts, at: target)
        defer { umount2(target, 0) }
        try FileSystem.writeAtomically(target + "/etc/written-by-test", text: "yes")

        #expect(FileSystem.exists(target + "/bin/busybox"))
        #expect(try FileSystem.readText(target + "/etc/written-by-test") == "yes")
        let config = try store.service.runConfiguration("alpine")
        #expect(config.Cmd == ["/bin/sh"])
        #expect(config.Env?.first?.hasPrefix("PATH=") == true)
        #expect(throws: ImageStoreError.self) {
            try store.service.prepareRoot(image: "alpine", key: key)
        }
    }

    /// A detached root frees its key at once; its directory, no longer named by any
    /// record, is the caller's to delete, or goes when the service starts again.
    @Test func aDetachedRootFreesItsKeyAndItsFilesGoAtTheNextStart() throws {
        let images = try TestSupport.sharedImages()
        let store = try TestStore()
        defer { store.close() }
        try store.service.importArchive(path: images + "/alpine-3.20.3-multiarch.oci.tar")
        let key = "container-\(getpid())-detach"
        _ = try store.service.prepareRoot(image: "alpine", key: key)

        let detached = try #require(try store.service.detachRoot(key: key))
        #expect(FileSystem.isDirectory(detached))
        #expect(try store.service.activeRoots().isEmpty)
        #expect(try store.service.detachRoot(key: key) == nil)
        _ = try store.service.prepareRoot(image: "alpine", key: key)
        let again = try #require(try store.service.detachRoot(key: key))
        #expect(again != detached, "a snapshot directory was used twice")

        let restarted = try ImageService(root: store.directory + "/root")
        #expect(!FileSystem.exists(detached) && !FileSystem.exists(again))
        #expect(try restarted.activeRoots().isEmpty)
    }

    @Test func standardInputIsReadWithDash() throws {
        let images = try TestSupport.sharedImages()
        let store = try TestStore()
        defer { store.close() }
        let archive = open(images + "/alpine-3.20.3-amd64.docker.tar", O_RDONLY)
        let savedInput = dup(0)
        dup2(archive, 0)
        close(archive)
        defer {
            dup2(savedInput, 0)
            close(savedInput)
        }

        let records = try store.service.importArchive(path: "-")

        #expect(records.map(\.name) == ["docker.io/library/alpine:3.20.3"])
    }
}
