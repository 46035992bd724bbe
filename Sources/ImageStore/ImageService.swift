#if canImport(Glibc)
import Glibc
#endif
import ImageSpec
import JSON
import Synchronization
import SystemKit

/// The images of one daemon root: content store, metadata, snapshots, and the
/// operations the daemon and `ctrs image` commands call.
///
/// Layout under `root`: `content/` (see `ContentStore`), `snapshots/` (see
/// `SnapshotStore`), `metadata.db` (SQLite, see `MetadataSchema`).
///
/// Thread-safe: every public method runs under one lock, so an import, a removal with
/// its garbage collection and a root preparation never interleave. Blob writes from a
/// pull may run outside the lock through `content`; the puller holds a lease
/// (`beginLease`) so a collection in between does not take its blobs.
public final class ImageService: @unchecked Sendable {
    public struct Options: Sendable {
        /// Force a snapshotter; nil probes for overlayfs and falls back to copying.
        public var snapshotter: SnapshotterKind?
        /// The platform whose content must be present and is unpacked.
        public var platform: Platform
        /// Where events go (imports, removals, collections, recovery at open).
        public var logger: Logger

        public init(snapshotter: SnapshotterKind? = nil, platform: Platform = .host,
                    logger: Logger = .shared) {
            self.snapshotter = snapshotter
            self.platform = platform
            self.logger = logger
        }
    }

    public let root: String
    public let content: ContentStore
    public let platform: Platform
    let logger: Logger
    let database: Database
    let snapshots: SnapshotStore
    let lock = Mutex(())

    /// The snapshotter in use.
    public var snapshotter: SnapshotterKind { snapshots.kind }

    /// Opens (creating when needed) the image store under `root`. Opening ends the
    /// leases of the previous process and collects garbage, so blobs and snapshots
    /// left by an import or pull that was killed midway are removed.
    public init(root: String, options: Options = Options()) throws(ImageStoreError) {
        self.root = root
        platform = options.platform
        logger = options.logger
        try systemCall { () throws(SystemError) in
            try FileSystem.createDirectory(root, mode: 0o700)
        }
        content = try ContentStore(root: root + "/content")
        do {
            database = try Database(path: root + "/metadata.db")
            try database.migrate(MetadataSchema.migrations)
        } catch let error as DatabaseError {
            throw .database(error)
        } catch {
            throw .invalidDocument(what: "metadata", reason: "\(error)")
        }
        snapshots = try SnapshotStore(directory: root + "/snapshots", database: database,
                                      kind: options.snapshotter)

        // Leases belonged to the previous process; what its unfinished imports and
        // pulls wrote, nothing references: collect it.
        try run("DELETE FROM leases")
        let collected = try collectGarbage()
        logger.info("image store opened", ["root": root, "snapshotter": snapshots.kind.rawValue,
                                           "removed_blobs": collected.removedBlobs.count,
                                           "removed_snapshots": collected.removedSnapshots.count])
    }

    /// Runs `body` under the service lock with typed errors.
    @discardableResult
    func locked<T>(_ body: () throws(ImageStoreError) -> T) throws(ImageStoreError) -> T {
        try lock.withLock { (_) throws(ImageStoreError) -> T in try body() }
    }

    // MARK: - Images

    /// Every image, by name.
    public func list() throws(ImageStoreError) -> [ImageRecord] {
        try locked { () throws(ImageStoreError) in try allImages() }
    }

    /// The image `reference` names: matched as given, then normalized (`alpine` finds
    /// `docker.io/library/alpine:latest`); `alpine@sha256:...` finds an alpine image
    /// whose target has that digest.
    public func get(_ reference: String) throws(ImageStoreError) -> ImageRecord {
        try locked { () throws(ImageStoreError) in try image(reference) }
    }

    /// Gives the image `source` the additional name `target`, replacing whatever
    /// `target` named before.
    @discardableResult
    public func tag(_ source: String, _ target: String) throws(ImageStoreError) -> ImageRecord {
        try locked { () throws(ImageStoreError) in
            let record = try image(source)
            let name = try normalize(target)
            try saveImages([(name, record.target)], labels: record.labels)
            return try image(name)
        }
    }

    /// Records `name` as pointing at `target`, whose content for `platform` (this
    /// host's when nil; every platform with `allPlatforms`) must be in the store. A
    /// pull calls this once its blobs are in.
    @discardableResult
    public func createImage(name: String, target: Descriptor, labels: [String: String] = [:],
                            platform wanted: Platform? = nil, allPlatforms: Bool = false)
        throws(ImageStoreError) -> ImageRecord
    {
        try locked { () throws(ImageStoreError) in
            let normalized = try normalize(name)
            var walk = ContentWalk(store: content, platform: wanted ?? platform,
                                   allPlatforms: allPlatforms)
            try walk.visit(target, referencedBy: normalized)
            try saveImages([(normalized, target)], labels: labels)
            return try image(normalized)
        }
    }

    /// Removes the names `references`, then collects what no image or container
    /// references any more. Removes every name it can, returns the names removed, and
    /// then throws listing each reference it could not remove.
    @discardableResult
    public func remove(_ references: [String]) throws(ImageStoreError) -> [String] {
        try locked { () throws(ImageStoreError) in
            var removed: [String] = []
            var failures: [ImageStoreError] = []
            for reference in references {
                do throws(ImageStoreError) {
                    let record = try image(reference)
                    try run("DELETE FROM images WHERE name = ?", [.text(record.name)])
                    removed.append(record.name)
                } catch {
                    failures.append(error)
                }
            }
            let collected = try collectGarbage()
            logger.info("images removed", ["names": removed.joined(separator: ","),
                                           "removed_blobs": collected.removedBlobs.count,
                                           "removed_snapshots": collected.removedSnapshots.count])
            if failures.count == 1 { throw failures[0] }
            if failures.count > 1 { throw .several(failures) }
            return removed
        }
    }

    /// Deletes blobs and layer snapshots no image, container root, view or lease needs.
    public func garbageCollect() throws(ImageStoreError) -> GarbageCollection {
        try locked { () throws(ImageStoreError) in try collectGarbage() }
    }

    /// The image's manifest and configuration for this platform.
    public func inspect(_ reference: String) throws(ImageStoreError) -> ImageInspection {
        try locked { () throws(ImageStoreError) in
            let record = try image(reference)
            var index: ImageIndex?
            if MediaType.isIndex(record.target.mediaType) {
                index = try decode(ImageIndex.self, record.target.digest, what: record.name)
            }
            let (descriptor, manifest, configuration) = try platformManifest(record)
            return ImageInspection(record: record, index: index, manifestDescriptor: descriptor,
                                   manifest: manifest, configuration: configuration)
        }
    }

    /// How to run the image: its entrypoint, command, environment, working directory
    /// and user, from the configuration for this platform.
    public func runConfiguration(_ reference: String) throws(ImageStoreError)
        -> ImageConfiguration.RunConfiguration
    {
        try inspect(reference).configuration.config ?? ImageConfiguration.RunConfiguration()
    }

    // MARK: - Leases

    /// Starts a lease: blobs and snapshots added to it survive garbage collection until
    /// `endLease`. A pull holds one while its blobs are not yet referenced by an image.
    public func beginLease() throws(ImageStoreError) -> String {
        try locked { () throws(ImageStoreError) in
            let id = "lease-" + ContentStore.randomName()
            try run("INSERT INTO leases VALUES (?, datetime('now'))", [.text(id)])
            return id
        }
    }

    /// Protects blob `digest` under lease `id`.
    public func addToLease(_ id: String, digest: Digest) throws(ImageStoreError) {
        try locked { () throws(ImageStoreError) in
            try run("INSERT OR IGNORE INTO lease_resources VALUES (?, 'content', ?)",
                    [.text(id), .text(digest.description)])
        }
    }

    /// Protects snapshot `key` (and the chain beneath it) under lease `id`.
    public func addToLease(_ id: String, snapshot key: String) throws(ImageStoreError) {
        try locked { () throws(ImageStoreError) in
            try run("INSERT OR IGNORE INTO lease_resources VALUES (?, 'snapshot', ?)",
                    [.text(id), .text(key)])
        }
    }

    /// Ends lease `id`; its resources become collectable.
    public func endLease(_ id: String) throws(ImageStoreError) {
        try locked { () throws(ImageStoreError) in
            try run("DELETE FROM leases WHERE id = ?", [.text(id)])
        }
    }

    // MARK: - Internals shared by the extensions

    func allImages() throws(ImageStoreError) -> [ImageRecord] {
        try run("SELECT name, target, created, updated, labels FROM images ORDER BY name")
            .map { (row) throws(ImageStoreError) in try record(row) }
    }

    func image(_ reference: String) throws(ImageStoreError) -> ImageRecord {
        let parsed = try? ImageReference(parsing: reference)
        for name in [reference] + (parsed.map { [$0.description] } ?? []) {
            let rows = try run("""
                SELECT name, target, created, updated, labels FROM images WHERE name = ?
                """, [.text(name)])
            if let row = rows.first {
                return try record(row)
            }
        }
        // `repository@sha256:...` finds an image of that repository with that target.
        if let parsed, let digest = parsed.digest {
            let matches = try allImages().filter { image in
                image.target.digest == digest
                    && (try? ImageReference(parsing: image.name))?.name == parsed.name
            }
            if let match = matches.first {
                return match
            }
        }
        throw .imageNotFound(reference)
    }

    func normalize(_ name: String) throws(ImageStoreError) -> String {
        do {
            return try ImageReference(parsing: name).description
        } catch {
            throw .invalidReference(name, error)
        }
    }

    /// Inserts or repoints `images` in one transaction.
    func saveImages(_ images: [(name: String, target: Descriptor)], labels: [String: String])
        throws(ImageStoreError)
    {
        let now = Self.now()
        let labelText = String(decoding: try encode(labels), as: UTF8.self)
        do {
            try database.transaction {
                for (name, target) in images {
                    let targetText = String(decoding: try encode(target), as: UTF8.self)
                    try database.execute("""
                        INSERT INTO images (name, target, created, updated, labels)
                        VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT(name) DO UPDATE SET target = excluded.target,
                            updated = excluded.updated
                        """, [.text(name), .text(targetText), .text(now), .text(now),
                              .text(labelText)])
                }
            }
        } catch let error as DatabaseError {
            throw .database(error)
        } catch let error as ImageStoreError {
            throw error
        } catch {
            throw .invalidDocument(what: "image record", reason: "\(error)")
        }
    }

    private func record(_ row: [SQLValue]) throws(ImageStoreError) -> ImageRecord {
        let name = row[0].text ?? ""
        let target = try decodeJSON(Descriptor.self, Array((row[1].text ?? "").utf8),
                                    what: "target of image \"\(name)\"")
        let labels = try decodeJSON([String: String].self, Array((row[4].text ?? "{}").utf8),
                                    what: "labels of image \"\(name)\"")
        return ImageRecord(name: name, target: target, created: row[2].text ?? "",
                           updated: row[3].text ?? "", labels: labels)
    }

    /// Picks the manifest for this platform under `record`'s target.
    func platformManifest(_ record: ImageRecord) throws(ImageStoreError)
        -> (Descriptor, ImageManifest, ImageConfiguration)
    {
        guard let descriptor = try findManifest(record.target, name: record.name) else {
            throw .noMatchingPlatform(image: record.name, platform: platform)
        }
        let manifest = try decode(ImageManifest.self, descriptor.digest, what: record.name)
        let configuration = try decode(ImageConfiguration.self, manifest.config.digest,
                                       what: "config of \(record.name)")
        return (descriptor, manifest, configuration)
    }

    private func findManifest(_ descriptor: Descriptor, name: String) throws(ImageStoreError)
        -> Descriptor?
    {
        if MediaType.isManifest(descriptor.mediaType) {
            return descriptor
        }
        guard MediaType.isIndex(descriptor.mediaType) else { return nil }
        let index = try decode(ImageIndex.self, descriptor.digest, what: name)
        let candidates = index.manifests.filter { child in
            guard let offered = child.platform else { return true }
            return platform.matches(offered)
        }
        // An exact variant match wins over a manifest that leaves the variant open.
        let ordered = candidates.sorted { first, _ in
            first.platform?.normalized.variant == platform.normalized.variant
        }
        for child in ordered where content.exists(child.digest) {
            if let found = try findManifest(child, name: name) {
                return found
            }
        }
        return nil
    }

    func decode<T: Decodable>(_ type: T.Type, _ digest: Digest, what: String)
        throws(ImageStoreError) -> T
    {
        let bytes: [UInt8]
        do {
            bytes = try content.read(digest)
        } catch .blobNotFound(let digest, _) {
            throw .blobNotFound(digest, referencedBy: what)
        }
        return try decodeJSON(type, bytes, what: "\(digest) of \(what)")
    }

    @discardableResult
    func run(_ sql: String, _ bindings: [SQLValue] = []) throws(ImageStoreError) -> [[SQLValue]] {
        do {
            return try database.query(sql, bindings)
        } catch {
            throw .database(error)
        }
    }

    static func now() -> String {
        Logger.timestamp()
    }
}

/// Decodes JSON `bytes`; the error names `what`.
func decodeJSON<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], what: String)
    throws(ImageStoreError) -> T
{
    do {
        return try JSONValueDecoder().decode(type, fromText: bytes)
    } catch {
        throw .invalidDocument(what: what, reason: "\(error)")
    }
}

/// Encodes `value` as compact JSON with sorted keys, so equal values give equal bytes.
func encode<T: Encodable>(_ value: T) throws(ImageStoreError) -> [UInt8] {
    do {
        return try JSONValueEncoder().encodeText(value, sortedKeys: true)
    } catch {
        throw .invalidDocument(what: "\(T.self)", reason: "\(error)")
    }
}
