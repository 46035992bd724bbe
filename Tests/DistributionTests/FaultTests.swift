import Distribution
import ImageSpec
import SystemKit
import Testing

/// Registries that misbehave (connections dropped or stalled mid-blob, Range or HEAD
/// ignored, transient errors, blobs that lie about their digest or size, manifests
/// pointing nowhere) or serve unusual content (nested indexes, artifacts).
@Suite struct FaultTests {
    /// A store, a layout and the amd64 layer, for the tests below.
    struct Fixture {
        let layout: SharedLayout
        let storeDirectory: String
        let store: DirectoryStore
        let manifest: ImageManifest
        var layer: Descriptor { manifest.layers[0] }

        init() throws {
            layout = try SharedLayout()
            storeDirectory = try TestEnvironment.temporaryDirectory("store")
            store = try DirectoryStore(root: storeDirectory)
            manifest = try layout.manifest(architecture: "amd64").1
        }

        func remove() {
            layout.remove()
            try? FileSystem.removeTree(storeDirectory)
        }
    }

    static func client(retries: Int = 3) -> RegistryClient {
        RegistryClient(options: RegistryOptions(plainHTTP: true, retries: retries,
                                                retryBaseDelayMilliseconds: 20))
    }

    @Test(arguments: [false, true])
    func resumesABlobWhenTheConnectionDropsMidway(ignoreRange: Bool) throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        var behaviour = FakeRegistry.Behaviour()
        behaviour.dropDigest = fixture.layer.digest.description
        behaviour.dropAfter = 1 << 20
        behaviour.ignoreRange = ignoreRange
        let registry = try FakeRegistry(behaviour)
        defer { registry.stop() }
        let reference = try ImageReference(parsing: "\(registry.domain)/library/alpine:3.20.3")

        let result = try Self.client().pull(reference,
                                            platform: Platform(parsing: "linux/amd64"),
                                            store: fixture.store)
        #expect(result.fetched.map(\.digest).contains(fixture.layer.digest))
        #expect(try fixture.store.read(fixture.layer.digest)
            == fixture.layout.blob(fixture.layer.digest))

        // The second GET of the layer asked for the rest only.
        let layerRequests = registry.requests().filter {
            $0.contains("/blobs/\(fixture.layer.digest)")
        }
        #expect(layerRequests.count == 2)
        #expect(layerRequests.last?.contains("bytes=\(1 << 20)-") == true)
        // Each byte counted once: when the registry ignored Range and sent the whole
        // blob again, the part already received was skipped, not stored twice.
        #expect(result.bytesDownloaded == fixture.layer.size + fixture.manifest.config.size)
    }

    @Test func abandonsAStalledTransferAfterTheTimeoutAndResumes() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        var behaviour = FakeRegistry.Behaviour()
        behaviour.stallDigest = fixture.layer.digest.description
        behaviour.stallAfter = 500_000
        behaviour.stallSeconds = 5
        let registry = try FakeRegistry(behaviour)
        defer { registry.stop() }
        let reference = try ImageReference(parsing: "\(registry.domain)/library/alpine:3.20.3")

        let client = RegistryClient(options: RegistryOptions(
            plainHTTP: true, retryBaseDelayMilliseconds: 20, timeoutSeconds: 1))
        let started = ContinuousClock.now
        try client.fetchBlob(reference, descriptor: fixture.layer,
                             into: try fixture.store.writer(for: fixture.layer),
                             progress: { _ in })
        #expect(ContinuousClock.now - started < .seconds(4))
        #expect(try fixture.store.read(fixture.layer.digest)
            == fixture.layout.blob(fixture.layer.digest))
        #expect(registry.requests().last?.contains("bytes=500000-") == true)
    }

    @Test func pullsFromARegistryThatRefusesHead() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        var behaviour = FakeRegistry.Behaviour()
        behaviour.refuseHead = true
        let registry = try FakeRegistry(behaviour)
        defer { registry.stop() }
        let reference = try ImageReference(parsing: "\(registry.domain)/library/alpine:3.20.3")

        let result = try Self.client().pull(reference,
                                            platform: Platform(parsing: "linux/amd64"),
                                            store: fixture.store)
        #expect(result.root.digest == fixture.layout.indexDigest)
        #expect(fixture.store.has(fixture.layer.digest))
        let methods = registry.requests().prefix(2).map { $0.split(separator: " ")[0] }
        #expect(methods == ["HEAD", "GET"])
    }

    @Test func followsNestedIndexesAndSkipsArtifacts() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let registry = try FakeRegistry(FakeRegistry.Behaviour())
        defer { registry.stop() }

        // An outer index holding the Alpine index and a signature-like artifact.
        let inner = Descriptor(mediaType: MediaType.ociIndex, digest: fixture.layout.indexDigest,
                               size: Int64(try fixture.layout.blob(fixture.layout.indexDigest)
                                   .count))
        let artifactBytes = Array(#"{"signature": "not an image"}"#.utf8)
        let artifactDigest = Digest.sha256(of: artifactBytes)
        try registry.addBlob(artifactBytes, as: artifactDigest)
        let artifact = Descriptor(mediaType: "application/vnd.example.signature+json",
                                  digest: artifactDigest, size: Int64(artifactBytes.count))
        let outerDigest = try registry.addManifest(ImageIndex(manifests: [artifact, inner]),
                                                   repository: "library/nested", tag: "1")
        let reference = try ImageReference(parsing: "\(registry.domain)/library/nested:1")

        let arm64 = try Self.client().pull(reference, platform: Platform(parsing: "linux/arm64"),
                                           store: fixture.store)
        let (arm64Entry, _) = try fixture.layout.manifest(architecture: "arm64")
        #expect(arm64.root.digest == outerDigest)
        #expect(arm64.manifests.map(\.digest) == [arm64Entry.digest])

        let all = try Self.client().pull(reference, allPlatforms: true, store: fixture.store)
        #expect(all.manifests.count == 2)
        #expect(!fixture.store.has(artifactDigest))
        #expect(fixture.store.has(fixture.layout.indexDigest) && fixture.store.has(outerDigest))
    }

    @Test func resumesFromWhatTheStoreKeptOfAnEarlierPull() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let registry = try FakeRegistry(FakeRegistry.Behaviour())
        defer { registry.stop() }
        let reference = try ImageReference(parsing: "\(registry.domain)/library/alpine:3.20.3")

        // As if a pull was killed after 3000 bytes of the layer.
        let kept = Array(try fixture.layout.blob(fixture.layer.digest).prefix(3000))
        try FileSystem.writeAtomically(fixture.store.ingestPath(of: fixture.layer.digest), kept)

        var seen: [Int64] = []
        try Self.client().fetchBlob(reference, descriptor: fixture.layer,
                                    into: try fixture.store.writer(for: fixture.layer)) {
            seen.append($0)
        }
        #expect(try fixture.store.read(fixture.layer.digest)
            == fixture.layout.blob(fixture.layer.digest))
        #expect(registry.requests().last?.contains("bytes=3000-") == true)
        #expect(seen.first.map { $0 > 3000 } == true && seen.last == fixture.layer.size)
    }

    @Test(arguments: [503, 429])
    func retriesTransientStatuses(status: Int) throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        var behaviour = FakeRegistry.Behaviour()
        behaviour.failBlobs = status == 429 ? 1 : 2
        behaviour.failStatus = status
        let registry = try FakeRegistry(behaviour)
        defer { registry.stop() }
        let reference = try ImageReference(parsing: "\(registry.domain)/library/alpine:3.20.3")

        let started = ContinuousClock.now
        try Self.client().fetchBlob(reference, descriptor: fixture.manifest.config,
                                    into: try fixture.store.writer(for: fixture.manifest.config),
                                    progress: { _ in })
        #expect(fixture.store.has(fixture.manifest.config.digest))
        #expect(registry.requests().filter { $0.contains("/blobs/") }.count
            == behaviour.failBlobs + 1)
        if status == 429 {
            // The client waited as Retry-After: 1 asked, not its 20 ms backoff.
            #expect(ContinuousClock.now - started >= .seconds(1))
            return
        }

        // With no retries left the status is reported with the registry's message.
        var failing = FakeRegistry.Behaviour()
        failing.failBlobs = 5
        failing.failStatus = status
        let stubborn = try FakeRegistry(failing)
        defer { stubborn.stop() }
        let other = try ImageReference(parsing: "\(stubborn.domain)/library/alpine:3.20.3")
        #expect {
            try Self.client(retries: 1).fetchBlob(
                other, descriptor: fixture.layer,
                into: try fixture.store.writer(for: fixture.layer), progress: { _ in })
        } throws: { error in
            "\(error)".contains("answered \(status)") && "\(error)".contains(stubborn.domain)
        }
        #expect(try fixture.store.ingestLeftovers().isEmpty)
    }

    @Test func refusesBlobsWhoseDigestOrSizeLies() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let registry = try FakeRegistry(FakeRegistry.Behaviour())
        defer { registry.stop() }

        // A layer served under a digest its bytes do not have.
        let hostile = Array("not the layer you asked for".utf8)
        let claimed = Digest.sha256(of: Array("the layer you asked for".utf8))
        try registry.addBlob(hostile, as: claimed)
        let lyingLayer = Descriptor(mediaType: MediaType.ociLayerGzip, digest: claimed,
                                    size: Int64(hostile.count))
        _ = try registry.addManifest(
            ImageManifest(config: fixture.manifest.config, layers: [lyingLayer]),
            repository: "library/liar", tag: "digest")
        let reference = try ImageReference(parsing: "\(registry.domain)/library/liar:digest")
        #expect {
            try Self.client().pull(reference, store: fixture.store)
        } throws: { error in
            "\(error)".contains("content \(claimed) from registry \"\(registry.domain)\" "
                + "failed verification: its bytes have digest \(Digest.sha256(of: hostile))")
        }
        #expect(!fixture.store.has(claimed))

        // A layer longer than its descriptor says.
        let real = try fixture.layout.blob(fixture.layer.digest)
        var short = fixture.layer
        short.size = 1000
        _ = try registry.addManifest(
            ImageManifest(config: fixture.manifest.config, layers: [short]),
            repository: "library/liar", tag: "size")
        let sizeReference = try ImageReference(parsing: "\(registry.domain)/library/liar:size")
        #expect {
            try Self.client().pull(sizeReference, store: fixture.store)
        } throws: { error in
            "\(error)".contains("content \(fixture.layer.digest)")
                && "\(error)".contains("its descriptor says 1000")
        }
        #expect(!fixture.store.has(fixture.layer.digest))
        #expect(real.count > 1000)
        #expect(try fixture.store.ingestLeftovers().isEmpty)
    }

    @Test func namesTheBlobAManifestPointsAtWhenItIsMissing() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let registry = try FakeRegistry(FakeRegistry.Behaviour())
        defer { registry.stop() }

        let nowhere = Digest.sha256(of: Array("a layer nobody pushed".utf8))
        let missing = Descriptor(mediaType: MediaType.ociLayerGzip, digest: nowhere, size: 10)
        let manifestDigest = try registry.addManifest(
            ImageManifest(config: fixture.manifest.config, layers: [missing]),
            repository: "library/broken", tag: "1")
        let reference = try ImageReference(parsing: "\(registry.domain)/library/broken:1")
        #expect {
            try Self.client().pull(reference, store: fixture.store)
        } throws: { error in
            "\(error)" == "blob \(nowhere) of \"library/broken\" not found on registry "
                + "\"\(registry.domain)\" (404)"
        }
        // The manifest is not stored when its content is incomplete.
        #expect(!fixture.store.has(manifestDigest))
        #expect(try fixture.store.ingestLeftovers().isEmpty)
    }
}
