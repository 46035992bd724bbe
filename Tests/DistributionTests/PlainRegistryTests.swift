import Distribution
import FoundationEssentials
import ImageSpec
import SystemKit
import Synchronization
import Testing

/// Pulls from Debian's docker-registry over plain HTTP on loopback.
@Suite struct PlainRegistryTests {
    @Test func pullsTheHostAndArm64ManifestsOfAnIndex() throws {
        let registry = try LocalRegistry.acquire()
        defer { registry.release() }
        let layout = try SharedLayout()
        defer { layout.remove() }
        let storeDirectory = try TestEnvironment.temporaryDirectory("store")
        defer { try? FileSystem.removeTree(storeDirectory) }
        let store = try DirectoryStore(root: storeDirectory)
        let client = RegistryClient(options: RegistryOptions(plainHTTP: true))
        let reference = try ImageReference(parsing: "\(registry.domain)/library/alpine:3.20.3")

        let events = ProgressLog()
        let amd64 = try client.pull(reference, platform: Platform(parsing: "linux/amd64"),
                                    store: store, progress: events.record)
        let (amd64Entry, amd64Manifest) = try layout.manifest(architecture: "amd64")
        #expect(amd64.root.digest == layout.indexDigest)
        #expect(amd64.root.mediaType == MediaType.ociIndex)
        #expect(amd64.manifests.map(\.digest) == [amd64Entry.digest])
        let amd64Layer = amd64Manifest.layers[0]
        #expect(Set(amd64.fetched.map(\.digest))
            == Set([amd64Manifest.config.digest, amd64Layer.digest]))
        #expect(try store.read(amd64Layer.digest) == layout.blob(amd64Layer.digest))
        #expect(store.has(layout.indexDigest) && store.has(amd64Entry.digest))
        #expect(amd64.bytesDownloaded == amd64Layer.size + amd64Manifest.config.size)

        // Each blob reports waiting, then done with all its bytes, and nothing after.
        for blob in amd64.fetched {
            let steps = events.all().filter { $0.descriptor.digest == blob.digest }
            #expect(steps.first?.phase == .waiting)
            #expect(steps.last?.phase == .done && steps.last?.completed == blob.size)
            #expect(steps.allSatisfy { $0.total == blob.size && $0.completed <= blob.size })
        }

        // arm64 (normalized to v8) picks the other manifest, whose layer differs.
        let arm64 = try client.pull(reference, platform: Platform(parsing: "linux/aarch64"),
                                    store: store)
        let (arm64Entry, arm64Manifest) = try layout.manifest(architecture: "arm64")
        #expect(arm64.manifests.map(\.digest) == [arm64Entry.digest])
        #expect(arm64Manifest.layers[0].digest != amd64Layer.digest)
        #expect(try store.read(arm64Manifest.layers[0].digest)
            == layout.blob(arm64Manifest.layers[0].digest))

        // A platform the index does not offer is refused by name.
        #expect {
            try client.pull(reference, platform: Platform(parsing: "linux/s390x"), store: store)
        } throws: { error in
            "\(error)".contains("linux/s390x") && "\(error)".contains("linux/arm64/v8")
        }
        #expect(try store.ingestLeftovers().isEmpty)
    }

    @Test func pullingAgainDownloadsNothing() throws {
        let registry = try LocalRegistry.acquire()
        defer { registry.release() }
        let storeDirectory = try TestEnvironment.temporaryDirectory("store")
        defer { try? FileSystem.removeTree(storeDirectory) }
        let store = try DirectoryStore(root: storeDirectory)
        let client = RegistryClient(options: RegistryOptions(plainHTTP: true))
        let reference = try ImageReference(parsing: "\(registry.domain)/library/alpine:latest")

        let first = try client.pull(reference, allPlatforms: true, store: store)
        #expect(first.manifests.count == 2)
        #expect(first.fetched.count == 4)
        let writersAfterFirst = store.writersHandedOut

        let events = ProgressLog()
        let second = try client.pull(reference, allPlatforms: true, store: store,
                                     progress: events.record)
        #expect(second.root == first.root)
        #expect(second.fetched.isEmpty)
        #expect(second.skipped.count == 4)
        #expect(second.bytesDownloaded == 0)
        #expect(store.writersHandedOut == writersAfterFirst)
        #expect(events.phases() == Array(repeating: PullProgress.Phase.exists, count: 4))
    }

    @Test func pullsDockerSchema2MediaTypes() throws {
        let registry = try LocalRegistry.acquire()
        defer { registry.release() }
        let layout = try SharedLayout()
        defer { layout.remove() }
        let storeDirectory = try TestEnvironment.temporaryDirectory("store")
        defer { try? FileSystem.removeTree(storeDirectory) }
        let store = try DirectoryStore(root: storeDirectory)
        let client = RegistryClient(options: RegistryOptions(plainHTTP: true))
        let reference = try ImageReference(
            parsing: "\(registry.domain)/library/alpine-docker-v2:3.20.3")

        let (descriptor, bytes) = try client.resolve(reference)
        #expect(descriptor.mediaType == MediaType.dockerManifest)
        #expect(descriptor.digest == Digest.sha256(of: bytes))
        let manifest = try JSONDecoder().decode(ImageManifest.self, from: Data(bytes))
        #expect(manifest.config.mediaType == MediaType.dockerConfig)
        #expect(manifest.layers.allSatisfy { $0.mediaType == MediaType.dockerLayerGzip })

        let result = try client.pull(reference, platform: Platform(parsing: "linux/amd64"),
                                     store: store)
        #expect(result.root.digest == descriptor.digest)
        // skopeo compressed the docker save tar's layer anew, so the compressed digests
        // differ from the OCI layout's, but the uncompressed layer (diff ID) is the same.
        let (_, ociManifest) = try layout.manifest(architecture: "amd64")
        let pulledConfig = try JSONDecoder().decode(
            ImageConfiguration.self, from: Data(try store.read(manifest.config.digest)))
        let ociConfig = try JSONDecoder().decode(
            ImageConfiguration.self, from: Data(try layout.blob(ociManifest.config.digest)))
        #expect(pulledConfig.rootfs.diff_ids == ociConfig.rootfs.diff_ids)
        #expect(Digest.sha256(of: try store.read(manifest.layers[0].digest))
            == manifest.layers[0].digest)

        // A single-platform image pulled for another platform is refused.
        #expect {
            try client.pull(reference, platform: Platform(parsing: "linux/arm64"), store: store)
        } throws: { error in
            "\(error)".contains("no manifest for platform linux/arm64/v8")
        }
    }

    @Test func pullsByDigestAndVerifiesManifests() throws {
        let registry = try LocalRegistry.acquire()
        defer { registry.release() }
        let layout = try SharedLayout()
        defer { layout.remove() }
        let storeDirectory = try TestEnvironment.temporaryDirectory("store")
        defer { try? FileSystem.removeTree(storeDirectory) }
        let store = try DirectoryStore(root: storeDirectory)
        let client = RegistryClient(options: RegistryOptions(plainHTTP: true))
        let (arm64Entry, arm64Manifest) = try layout.manifest(architecture: "arm64")

        // By the digest of one platform's manifest: no index involved.
        let pinned = try ImageReference(
            parsing: "\(registry.domain)/library/alpine@\(arm64Entry.digest)")
        let result = try client.pull(pinned, store: store)
        #expect(result.root.digest == arm64Entry.digest)
        #expect(result.root.mediaType == MediaType.ociManifest)
        #expect(store.has(arm64Manifest.layers[0].digest))

        let tagged = try ImageReference(parsing: "\(registry.domain)/library/alpine:3.20.3")
        let head = try client.head(tagged)
        #expect(head?.digest == layout.indexDigest)
        let bytes = try client.fetchManifest(tagged, digest: layout.indexDigest)
        #expect(Digest.sha256(of: bytes) == layout.indexDigest)

        #expect {
            try client.resolve(try ImageReference(
                parsing: "\(registry.domain)/library/alpine:no-such-tag"))
        } throws: { error in
            "\(error)" == "manifest \"library/alpine:no-such-tag\" not found on registry "
                + "\"\(registry.domain)\""
        }
    }
}

/// Collects progress events from the download threads.
final class ProgressLog: Sendable {
    private let events = Mutex<[PullProgress]>([])

    var record: PullProgressHandler {
        { event in self.events.withLock { $0.append(event) } }
    }

    func phases() -> [PullProgress.Phase] {
        events.withLock { $0.map(\.phase) }
    }

    func all() -> [PullProgress] {
        events.withLock { $0 }
    }
}
