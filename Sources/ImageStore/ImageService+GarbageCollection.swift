import ImageSpec

extension ImageService {
    /// Marks what is in use and deletes the rest:
    /// - blobs: everything reachable from an image's target (any platform), plus blobs
    ///   held by a lease;
    /// - snapshots: the layer chains of every image's manifests, plus every active or
    ///   leased snapshot (container roots, image views) and the chain beneath it, so a
    ///   container keeps its layers even after its image's name is removed.
    func collectGarbage() throws(ImageStoreError) -> GarbageCollection {
        let images = try allImages()
        var walk = ContentWalk(store: content, platform: platform, allPlatforms: true)
        walk.strict = false
        var keepSnapshots: Set<String> = []
        for image in images {
            try? walk.visit(image.target, referencedBy: image.name)
            for manifest in manifests(under: image.target) {
                guard let configuration = try? decode(ImageConfiguration.self,
                                                      manifest.config.digest, what: image.name)
                else { continue }
                keepSnapshots.formUnion(Self.chainIDs(configuration.rootfs.diff_ids))
            }
        }

        let leased = try run("SELECT resource FROM lease_resources WHERE kind = 'content'")
            .compactMap { $0.first?.text.flatMap(Digest.init) }
        let keepBlobs = walk.reachable.union(leased)
        var removedBlobs: [Digest] = []
        for digest in try content.list() where !keepBlobs.contains(digest) {
            try content.delete(digest)
            removedBlobs.append(digest)
        }

        let leasedSnapshots = try run(
            "SELECT resource FROM lease_resources WHERE kind = 'snapshot'"
        ).compactMap { $0.first?.text }
        keepSnapshots.formUnion(leasedSnapshots)
        let rows = try snapshots.all()
        let parents = Dictionary(rows.map { ($0.key, $0.parent) }, uniquingKeysWith: { a, _ in a })
        for row in rows where row.kind == "active" || leasedSnapshots.contains(row.key) {
            var next = row.parent
            while let key = next, !keepSnapshots.contains(key) {
                keepSnapshots.insert(key)
                next = parents[key] ?? nil
            }
        }
        var removedSnapshots: [String] = []
        // Children were created after their parents: remove newest first.
        for row in rows.reversed()
        where row.kind == "committed" && !keepSnapshots.contains(row.key) {
            try snapshots.remove(row.key)
            removedSnapshots.append(row.key)
        }
        return GarbageCollection(removedBlobs: removedBlobs, removedSnapshots: removedSnapshots)
    }

    /// Every manifest present under `descriptor`, whatever its platform.
    func manifests(under descriptor: Descriptor) -> [ImageManifest] {
        guard content.exists(descriptor.digest) else { return [] }
        if MediaType.isManifest(descriptor.mediaType) {
            return (try? decode(ImageManifest.self, descriptor.digest, what: "gc")).map { [$0] }
                ?? []
        }
        guard MediaType.isIndex(descriptor.mediaType),
            let index = try? decode(ImageIndex.self, descriptor.digest, what: "gc")
        else { return [] }
        return index.manifests.flatMap { manifests(under: $0) }
    }
}
