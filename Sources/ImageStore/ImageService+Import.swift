#if canImport(Glibc)
import Glibc
#endif
import ImageSpec
import SystemKit

extension ImageService {
    /// Imports an OCI image layout tar or a `docker save` tar from `path` (`-` reads
    /// standard input), and unpacks each image for this platform.
    ///
    /// The tar is read once, streaming: every blob goes straight into the content store
    /// through a verifying writer (blobs named `blobs/sha256/<hex>` must hash to their
    /// name). Then the names are read:
    /// - OCI layout: each entry of `index.json` is an image named by its
    ///   `io.containerd.image.name` annotation, or by `org.opencontainers.image.ref.name`
    ///   when that is a full reference (a bare tag such as `3.20.3` names nothing);
    ///   with `indexName`, the whole index is also recorded under that name.
    /// - `docker save`: each `manifest.json` entry becomes a Docker schema 2 manifest
    ///   (stored as a new blob, Docker media types kept) named by its `RepoTags`.
    /// An image without any name is recorded under its target's digest
    /// (`sha256:<hex>`), which `get`, `tag` and `remove` accept.
    ///
    /// Content for this platform must be complete; other platforms' content is kept
    /// when present (all of it is required with `allPlatforms`). Blobs the archive
    /// brings that nothing references are dropped. On any failure, every blob and
    /// snapshot this import created is removed again and no name is recorded.
    @discardableResult
    public func importArchive(path: String, allPlatforms: Bool = false,
                              indexName: String? = nil) throws(ImageStoreError) -> [ImageRecord]
    {
        try locked { () throws(ImageStoreError) in
            let fd: FileDescriptor = path == "-" ? .standardInput
                : try systemCall { () throws(SystemError) in
                    try FileDescriptor.open(path, O_RDONLY)
                }
            defer { if path != "-" { fd.close() } }
            let what = path == "-" ? "standard input" : path

            var archive = ArchiveContents()
            var createdSnapshots: [String] = []
            do throws(ImageStoreError) {
                try readArchive(fd, what: what, into: &archive)
                let images = try imagesOf(&archive, what: what, indexName: indexName)

                var walk = ContentWalk(store: content, platform: platform,
                                       allPlatforms: allPlatforms)
                for image in images {
                    try walk.visit(image.target, referencedBy: image.name)
                }
                for digest in archive.createdBlobs where !walk.reachable.contains(digest) {
                    try content.delete(digest)
                    archive.createdBlobs.remove(digest)
                }

                for image in images {
                    let record = ImageRecord(name: image.name, target: image.target,
                                             created: "", updated: "")
                    if let platformTarget = try? platformManifest(record) {
                        _ = try unpack(platformTarget.1, platformTarget.2, image: image.name,
                                   created: &createdSnapshots)
                    }
                }
                try content.syncBlobs()
                try saveImages(images, labels: [:])
                logger.info("images imported", ["archive": what,
                                                "names": images.map(\.name).joined(separator: ","),
                                                "new_blobs": archive.createdBlobs.count,
                                                "new_snapshots": createdSnapshots.count])
                return try images.map { (image) throws(ImageStoreError) in
                    try self.image(image.name)
                }
            } catch {
                for key in createdSnapshots.reversed() {
                    try? snapshots.remove(key)
                }
                for digest in archive.createdBlobs {
                    try? content.delete(digest)
                }
                throw error
            }
        }
    }

    /// Reads every entry of the archive: small documents into memory, blobs into the
    /// content store.
    private func readArchive(_ fd: FileDescriptor, what: String,
                             into archive: inout ArchiveContents) throws(ImageStoreError)
    {
        let reader = try TarReader(fd: fd.rawValue, what: what)
        while let entry = try reader.next() {
            let name = ArchiveContents.clean(entry.path)
            if entry.type == S_IFLNK, let target = entry.symlinkTarget {
                archive.symlinks[name] = ArchiveContents.resolve(target, from: name)
                continue
            }
            if let target = entry.hardlinkTarget {
                archive.symlinks[name] = ArchiveContents.clean(target)
                continue
            }
            guard entry.type == S_IFREG else { continue }

            if ArchiveContents.documents.contains(name) {
                archive.documents[name] = try reader.readAll(limit: 16 << 20, entry: name)
                continue
            }
            let announced = ArchiveContents.blobDigest(name)
            let expected = announced.map {
                Descriptor(mediaType: "application/octet-stream", digest: $0, size: entry.size)
            }
            let writer = try content.writer(expected: expected)
            if writer.alreadyExists {
                try reader.skipData()
            } else {
                try reader.readData { (block, _) throws(ImageStoreError) in
                    try writer.write(block)
                }
            }
            let digest: Digest
            do {
                (digest, _) = try writer.commit(expectedDigest: nil, expectedSize: entry.size,
                                                syncDirectory: false)
            } catch .digestMismatch(_, let expected, let actual) {
                throw .digestMismatch(what: "\(name) in \(what)", expected: expected,
                                      actual: actual)
            }
            if writer.created {
                archive.createdBlobs.insert(digest)
            }
            archive.files[name] = digest
        }
    }

    /// The images the archive names, with their targets.
    private func imagesOf(_ archive: inout ArchiveContents, what: String, indexName: String?)
        throws(ImageStoreError) -> [(name: String, target: Descriptor)]
    {
        if let indexBytes = archive.documents["index.json"] {
            return try ociImages(indexBytes, &archive, what: what, indexName: indexName)
        }
        if let manifestBytes = archive.documents["manifest.json"] {
            return try dockerImages(manifestBytes, &archive, what: what)
        }
        throw .invalidArchive(what: what, reason: "it has neither index.json nor manifest.json")
    }

    private func ociImages(_ bytes: [UInt8], _ archive: inout ArchiveContents, what: String,
                           indexName: String?) throws(ImageStoreError)
        -> [(name: String, target: Descriptor)]
    {
        let index = try decodeJSON(ImageIndex.self, bytes, what: "index.json of \(what)")
        guard !index.manifests.isEmpty else {
            throw .invalidArchive(what: what, reason: "index.json lists no images")
        }
        var images: [(name: String, target: Descriptor)] = []
        for descriptor in index.manifests {
            let annotations = descriptor.annotations ?? [:]
            var name = annotations["io.containerd.image.name"]
            if name == nil, let refName = annotations["org.opencontainers.image.ref.name"],
                refName.contains("/") || refName.contains(":")
            {
                name = refName
            }
            var target = descriptor
            target.annotations = nil
            if let name {
                images.append((try normalize(name), target))
            } else if indexName == nil {
                images.append((descriptor.digest.description, target))
            }
        }
        if let indexName {
            let (digest, size) = try archive.store(bytes, in: content)
            let mediaType = index.mediaType ?? MediaType.ociIndex
            images.append((try normalize(indexName),
                           Descriptor(mediaType: mediaType, digest: digest, size: size)))
        }
        return images
    }

    private func dockerImages(_ bytes: [UInt8], _ archive: inout ArchiveContents,
                              what: String)
        throws(ImageStoreError) -> [(name: String, target: Descriptor)]
    {
        let entries = try decodeJSON([DockerArchiveEntry].self, bytes,
                                     what: "manifest.json of \(what)")
        guard !entries.isEmpty else {
            throw .invalidArchive(what: what, reason: "manifest.json lists no images")
        }
        var images: [(name: String, target: Descriptor)] = []
        for entry in entries {
            let configDigest = try archive.digest(of: entry.Config, what: what)
            let configBytes = try content.read(configDigest)
            let configuration = try decodeJSON(ImageConfiguration.self, configBytes,
                                               what: "\(entry.Config) of \(what)")
            var layers: [Descriptor] = []
            for layerPath in entry.Layers {
                let digest = try archive.digest(of: layerPath, what: what)
                layers.append(Descriptor(mediaType: MediaType.dockerUncompressedLayer,
                                         digest: digest, size: try content.size(of: digest)))
            }
            let config = Descriptor(mediaType: MediaType.dockerConfig, digest: configDigest,
                                    size: Int64(configBytes.count))
            let manifest = ImageManifest(config: config, layers: layers,
                                         mediaType: MediaType.dockerManifest)
            let (digest, size) = try archive.store(try encode(manifest), in: content)
            let target = Descriptor(mediaType: MediaType.dockerManifest, digest: digest,
                                    size: size, platform: configuration.platform)
            let names = entry.RepoTags ?? []
            if names.isEmpty {
                images.append((digest.description, target))
            }
            for name in names {
                images.append((try normalize(name), target))
            }
        }
        return images
    }
}
