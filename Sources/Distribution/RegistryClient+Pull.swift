import ImageSpec
import JSON
import Synchronization

extension RegistryClient {
    /// Pulls `reference` into `store`: resolves it, walks index → manifest(s) → config
    /// and layers, fetches every blob the store lacks (`parallelism` at a time, each on
    /// its own thread) and writes manifests and indexes last, children before parents,
    /// so that whatever the store holds under the root digest is complete.
    ///
    /// From an index, the manifest for `platform` (default: the host's) is chosen as
    /// containerd does; `allPlatforms` takes every manifest instead. A single manifest
    /// pulled with an explicit `platform` must match its configuration's platform.
    public func pull(_ reference: ImageReference, platform: Platform? = nil,
                     allPlatforms: Bool = false, store: any ContentProvider,
                     parallelism: Int = 3, progress: PullProgressHandler? = nil) throws
        -> PullResult
    {
        let session = try makeSession()
        var walk = PullWalk(reference: reference, wanted: (platform ?? .host).normalized,
                            platformGiven: platform != nil, allPlatforms: allPlatforms)

        let (root, rootBytes) = try resolveRoot(reference, store: store, session: session)
        try visit(root, bytes: rootBytes, walk: &walk, store: store, session: session)
        if case .manifest(let manifest) = try document(root, bytes: rootBytes, walk.reference),
            walk.platformGiven, !allPlatforms
        {
            try checkPlatform(of: manifest, walk: walk, store: store, session: session)
        }

        let (fetched, skipped, bytes) = try fetchBlobs(walk.blobs, reference: reference,
                                                       store: store, parallelism: parallelism,
                                                       progress: progress)
        for (descriptor, content) in walk.documents where !store.has(descriptor.digest) {
            try write(content, as: descriptor, into: store)
        }
        logger.info("pulled image", ["ref": reference, "digest": root.digest,
                                     "fetched": fetched.count, "skipped": skipped.count,
                                     "bytes": bytes])
        return PullResult(root: root, manifests: walk.images, fetched: fetched,
                          skipped: skipped, bytesDownloaded: bytes)
    }

    /// The root descriptor and bytes: from the store when a HEAD (or the reference's own
    /// digest) names content it already has, else from the registry.
    private func resolveRoot(_ reference: ImageReference, store: any ContentProvider,
                             session: HTTPSession) throws -> (Descriptor, [UInt8]) {
        let known = try reference.digest ?? headIfAnswered(reference, session: session)
        if let known, store.has(known), let bytes = try? store.read(known),
            Digest.sha256(of: bytes) == known
        {
            let descriptor = try describe(bytes, digest: known, declared: nil,
                                          reference: reference)
            return (descriptor, bytes)
        }
        if let known, reference.digest == nil {
            let pinned = ImageReference(domain: reference.domain, path: reference.path,
                                        tag: nil, digest: known)
            return try resolve(pinned, session: session)
        }
        return try resolve(reference, session: session)
    }

    /// The digest a HEAD names, or nil when the registry does not answer HEAD usefully
    /// (some answer 405 or 400): the GET that follows says the rest. Not found, refused
    /// and unreachable stay errors.
    private func headIfAnswered(_ reference: ImageReference, session: HTTPSession) throws
        -> Digest?
    {
        do {
            return try head(reference, session: session)?.digest
        } catch RegistryError.status(_, _, let status, _, _) where (400..<500).contains(status) {
            logger.debug("HEAD not answered, fetching the manifest",
                         ["ref": reference, "status": status])
            return nil
        }
    }

    /// Records `descriptor` (with its `bytes`) and everything below it that the pull
    /// needs; children are recorded before their parent.
    private func visit(_ descriptor: Descriptor, bytes: [UInt8], walk: inout PullWalk,
                       store: any ContentProvider, session: HTTPSession) throws {
        switch try document(descriptor, bytes: bytes, walk.reference) {
        case .index(let index):
            for child in try children(of: index, walk: &walk, store: store, session: session) {
                let content = try manifestBytes(child, walk.reference, store: store,
                                                session: session)
                try visit(child, bytes: content, walk: &walk, store: store, session: session)
            }
        case .manifest(let manifest):
            walk.images.append(descriptor)
            for blob in [manifest.config] + manifest.layers {
                walk.addBlob(blob)
            }
        }
        walk.documents.append((descriptor, bytes))
    }

    /// The entries of `index` to pull: all of them, or the best for the wanted platform
    /// (looking into nested indexes when no entry of this one matches).
    private func children(of index: ImageIndex, walk: inout PullWalk,
                          store: any ContentProvider, session: HTTPSession) throws
        -> [Descriptor]
    {
        if walk.allPlatforms {
            // Entries of other types (artifacts such as signatures) are not images.
            return index.manifests.filter {
                MediaType.isIndex($0.mediaType) || MediaType.isManifest($0.mediaType)
            }
        }
        if let best = PlatformSelector.best(index.manifests, for: walk.wanted) {
            return [best]
        }
        for nested in index.manifests where MediaType.isIndex(nested.mediaType) {
            let content = try manifestBytes(nested, walk.reference, store: store,
                                            session: session)
            guard case .index(let inner) = try document(nested, bytes: content, walk.reference),
                PlatformSelector.best(inner.manifests, for: walk.wanted) != nil
            else { continue }
            return [nested]
        }
        throw RegistryError.noMatchingPlatform(
            reference: walk.reference.familiar, platform: walk.wanted.description,
            available: index.manifests.compactMap { $0.platform?.description })
    }

    /// A child manifest's bytes, from the store when it has them, else fetched and
    /// verified against the descriptor's digest and size.
    private func manifestBytes(_ descriptor: Descriptor, _ reference: ImageReference,
                               store: any ContentProvider, session: HTTPSession) throws
        -> [UInt8]
    {
        if store.has(descriptor.digest), let bytes = try? store.read(descriptor.digest),
            Digest.sha256(of: bytes) == descriptor.digest
        {
            return bytes
        }
        return try fetchManifest(reference, digest: descriptor.digest, size: descriptor.size,
                                 session: session)
    }

    private func document(_ descriptor: Descriptor, bytes: [UInt8],
                          _ reference: ImageReference) throws -> ManifestDocument {
        let type = ManifestDocument.mediaType(of: bytes, declared: descriptor.mediaType)
            ?? descriptor.mediaType
        do {
            return try ManifestDocument.decode(bytes, mediaType: type)
        } catch {
            throw RegistryError.invalidManifest(
                registry: reference.domain,
                reference: "\(reference.familiar)@\(descriptor.digest)",
                reason: "\(error)")
        }
    }

    /// Refuses a single-platform image whose configuration names another platform.
    private func checkPlatform(of manifest: ImageManifest, walk: PullWalk,
                               store: any ContentProvider, session: HTTPSession) throws {
        let bytes: [UInt8]
        if store.has(manifest.config.digest) {
            bytes = try store.read(manifest.config.digest)
        } else {
            let memory = MemorySink()
            _ = try fetchBlob(walk.reference, descriptor: manifest.config, into: memory,
                              session: session, progress: { _ in })
            bytes = memory.bytes
        }
        guard let configuration = try? JSONValueDecoder().decode(ImageConfiguration.self,
                                                                 fromText: bytes)
        else {
            throw RegistryError.invalidManifest(
                registry: walk.reference.domain, reference: walk.reference.familiar,
                reason: "configuration \(manifest.config.digest) is not valid JSON")
        }
        guard PlatformSelector.rank(configuration.platform, wanted: walk.wanted) != nil else {
            throw RegistryError.noMatchingPlatform(
                reference: walk.reference.familiar, platform: walk.wanted.description,
                available: [configuration.platform.normalized.description])
        }
    }

    /// Fetches the blobs the store lacks, `parallelism` at a time. The first failure stops
    /// the other threads from starting new blobs and is thrown once all have stopped.
    private func fetchBlobs(_ blobs: [Descriptor], reference: ImageReference,
                            store: any ContentProvider, parallelism: Int,
                            progress: PullProgressHandler?) throws
        -> (fetched: [Descriptor], skipped: [Descriptor], bytes: Int64)
    {
        var missing: [Descriptor] = []
        var skipped: [Descriptor] = []
        for blob in blobs {
            if store.has(blob.digest) {
                skipped.append(blob)
                progress?(PullProgress(descriptor: blob, phase: .exists, completed: blob.size,
                                       total: blob.size))
            } else {
                missing.append(blob)
                progress?(PullProgress(descriptor: blob, phase: .waiting, completed: 0,
                                       total: blob.size))
            }
        }

        let queue = DownloadQueue(missing)
        runOnThreads(min(max(parallelism, 1), missing.count)) { _ in
            let session: HTTPSession
            do {
                session = try self.makeSession()
            } catch {
                queue.failed(error)
                return
            }
            while let blob = queue.next() {
                do {
                    let sink = try self.writer(for: blob, store: store)
                    // Pieces arrive every few kilobytes; a report every 100 ms is plenty
                    // for a progress bar and keeps the daemon's replies few.
                    var lastReport = ContinuousClock.now - .seconds(1)
                    let received = try self.fetchBlob(
                        reference, descriptor: blob, into: sink, session: session
                    ) { completed in
                        let now = ContinuousClock.now
                        guard now - lastReport >= .milliseconds(100) else { return }
                        lastReport = now
                        progress?(PullProgress(descriptor: blob, phase: .downloading,
                                               completed: completed, total: blob.size))
                    }
                    queue.finished(received)
                    progress?(PullProgress(descriptor: blob, phase: .done, completed: blob.size,
                                           total: blob.size))
                } catch {
                    queue.failed(error)
                }
            }
        }
        if let error = queue.firstError {
            throw error
        }
        return (missing, skipped, queue.bytes)
    }

    private func writer(for descriptor: Descriptor, store: any ContentProvider) throws
        -> any BlobSink
    {
        do {
            return try store.writer(for: descriptor)
        } catch {
            throw RegistryError.store(digest: descriptor.digest, message: "\(error)")
        }
    }

    /// Stores a manifest or index already fetched and verified.
    private func write(_ bytes: [UInt8], as descriptor: Descriptor,
                       into store: any ContentProvider) throws {
        var sink = try writer(for: descriptor, store: store)
        if sink.alreadyHave > 0 {
            // A leftover partial write of a small document: start it over.
            sink.abort()
            sink = try writer(for: descriptor, store: store)
            guard sink.alreadyHave == 0 else {
                sink.abort()
                throw RegistryError.store(digest: descriptor.digest,
                                          message: "partial write cannot be discarded")
            }
        }
        do {
            try bytes.withUnsafeBytes { try sink.write($0) }
            try sink.commit(digest: descriptor.digest, size: Int64(bytes.count))
        } catch {
            sink.abort()
            throw RegistryError.store(digest: descriptor.digest, message: "\(error)")
        }
    }
}

/// What a pull has found so far while walking from the root.
struct PullWalk {
    let reference: ImageReference
    let wanted: Platform
    let platformGiven: Bool
    let allPlatforms: Bool
    /// Indexes and manifests with their bytes, children before parents.
    var documents: [(Descriptor, [UInt8])] = []
    /// The image manifests chosen.
    var images: [Descriptor] = []
    /// Configurations and layers, each digest once, in the order first met.
    var blobs: [Descriptor] = []
    private var seen: Set<Digest> = []

    init(reference: ImageReference, wanted: Platform, platformGiven: Bool, allPlatforms: Bool) {
        self.reference = reference
        self.wanted = wanted
        self.platformGiven = platformGiven
        self.allPlatforms = allPlatforms
    }

    mutating func addBlob(_ descriptor: Descriptor) {
        if seen.insert(descriptor.digest).inserted {
            blobs.append(descriptor)
        }
    }
}

/// The blobs still to fetch, shared by the download threads, with what they report.
///
/// Thread-safe: all state sits behind one `Mutex`.
final class DownloadQueue: Sendable {
    private struct State {
        var pending: [Descriptor]
        var bytes: Int64 = 0
        var firstError: (any Error)?
    }

    private let state: Mutex<State>

    init(_ blobs: [Descriptor]) {
        state = Mutex(State(pending: blobs.reversed()))
    }

    /// The next blob to fetch; nil when all are taken or a download failed.
    func next() -> Descriptor? {
        state.withLock { state in
            state.firstError == nil ? state.pending.popLast() : nil
        }
    }

    func finished(_ bytes: Int64) {
        state.withLock { $0.bytes += bytes }
    }

    func failed(_ error: any Error) {
        state.withLock { state in
            if state.firstError == nil { state.firstError = error }
        }
    }

    var bytes: Int64 { state.withLock { $0.bytes } }
    var firstError: (any Error)? { state.withLock { $0.firstError } }
}

/// Holds a small blob in memory (a configuration read before the store takes it).
final class MemorySink: BlobSink {
    private(set) var bytes: [UInt8] = []

    var alreadyHave: Int64 { 0 }

    func replay(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {}

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        self.bytes.append(contentsOf: bytes)
    }

    func commit(digest: Digest, size: Int64) throws {}

    func abort() {
        bytes = []
    }
}
