import ImageSpec

/// Walks the content graph under a descriptor (index → manifests → config and layers),
/// checking that what is needed is present with the announced size, and gathering
/// every present blob reached.
///
/// A manifest is needed when it is for `platform` (or `allPlatforms` is set), and its
/// config and layers with it; content for other platforms is gathered when present and
/// not required otherwise.
struct ContentWalk {
    let store: ContentStore
    let platform: Platform
    let allPlatforms: Bool
    /// When false, missing content is skipped silently (garbage collection marks).
    var strict = true
    /// Every present blob reached so far.
    var reachable: Set<Digest> = []

    init(store: ContentStore, platform: Platform, allPlatforms: Bool) {
        self.store = store
        self.platform = platform
        self.allPlatforms = allPlatforms
    }

    /// Walks from the image target `descriptor`; fails when nothing under it is for the
    /// wanted platform.
    mutating func visit(_ descriptor: Descriptor, referencedBy: String) throws(ImageStoreError) {
        let matched = try walk(descriptor, required: true, referencedBy: referencedBy)
        if strict && !matched && !allPlatforms {
            throw .noMatchingPlatform(image: referencedBy, platform: platform)
        }
    }

    /// Returns whether a manifest for the wanted platform was found under `descriptor`.
    private mutating func walk(_ descriptor: Descriptor, required: Bool, referencedBy: String)
        throws(ImageStoreError) -> Bool
    {
        guard store.exists(descriptor.digest) else {
            if required && strict {
                throw .blobNotFound(descriptor.digest, referencedBy: referencedBy)
            }
            return false
        }
        if strict {
            let size = try store.size(of: descriptor.digest)
            if size != descriptor.size {
                throw .sizeMismatch(what: "blob \(descriptor.digest) (referenced by "
                                    + "\(referencedBy))", expected: descriptor.size, actual: size)
            }
        }
        reachable.insert(descriptor.digest)
        let what = "\(descriptor.mediaType) \(descriptor.digest)"

        if MediaType.isIndex(descriptor.mediaType) {
            let index = try decodeJSON(ImageIndex.self, try store.read(descriptor.digest),
                                       what: what)
            var matched = false
            for child in index.manifests {
                let wanted = allPlatforms || child.platform.map { platform.matches($0) } ?? true
                let found = try walk(child, required: required && wanted, referencedBy: what)
                matched = matched || (found && wanted)
            }
            return matched
        }
        if MediaType.isManifest(descriptor.mediaType) {
            let manifest = try decodeJSON(ImageManifest.self, try store.read(descriptor.digest),
                                          what: what)
            _ = try walk(manifest.config, required: required, referencedBy: what)
            for layer in manifest.layers {
                _ = try walk(layer, required: required, referencedBy: what)
            }
            return true
        }
        return false
    }
}
