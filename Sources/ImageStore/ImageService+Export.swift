#if canImport(Glibc)
import Glibc
#endif
import CArchive
import ImageSpec
import SystemKit

extension ImageService {
    /// Writes the images `references` to `path` as an OCI image layout tar: `oci-layout`,
    /// `index.json` (one entry per image, annotated with `io.containerd.image.name` and,
    /// for a tagged name, `org.opencontainers.image.ref.name`) and every present blob
    /// they reach under `blobs/sha256/`. The tar is written to a temporary file beside
    /// `path` and renamed into place when complete.
    ///
    /// A Docker-typed manifest or list (from `docker save` or a pull) is exported as an
    /// OCI manifest or index over the same config and layer blobs: OCI layout readers
    /// such as skopeo only find OCI-typed entries by name. Its digest therefore differs
    /// from the stored one.
    public func export(to path: String, references: [String]) throws(ImageStoreError) {
        try locked { () throws(ImageStoreError) in
            var entries: [Descriptor] = []
            var walk = ContentWalk(store: content, platform: platform, allPlatforms: true)
            walk.strict = false
            var blobs: [Digest] = []
            var documents: [Digest: [UInt8]] = [:]
            for reference in references {
                let record = try image(reference)
                var descriptor = try ociDescriptor(record.target, documents: &documents)
                var annotations = ["io.containerd.image.name": record.name]
                if let parsed = try? ImageReference(parsing: record.name), let tag = parsed.tag,
                    parsed.description == record.name
                {
                    annotations["org.opencontainers.image.ref.name"] = tag
                }
                descriptor.annotations = annotations
                entries.append(descriptor)
                let before = walk.reachable
                try walk.visit(record.target, referencedBy: record.name)
                let added = walk.reachable.subtracting(before)
                blobs.append(contentsOf: added.sorted { $0.hex < $1.hex })
            }
            let index = ImageIndex(manifests: entries)

            let temporary = path + ".tmp-" + ContentStore.randomName()
            do throws(ImageStoreError) {
                let writer = try TarWriter(path: temporary)
                try writer.add("oci-layout", Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8))
                try writer.add("index.json", try encode(index))
                for (digest, bytes) in documents.sorted(by: { $0.key.hex < $1.key.hex }) {
                    try writer.add("blobs/\(digest.algorithm)/\(digest.hex)", bytes)
                }
                for digest in blobs where documents[digest] == nil {
                    try writer.addFile("blobs/\(digest.algorithm)/\(digest.hex)",
                                       from: content.path(of: digest))
                }
                try writer.finish()
                try systemCall { () throws(SystemError) in
                    try Syscall.check("rename", path: path) { rename(temporary, path) }
                }
            } catch {
                unlink(temporary)
                throw error
            }
        }
    }

    /// `descriptor` with Docker media types rewritten to OCI ones; the rewritten
    /// documents go into `documents`.
    private func ociDescriptor(_ descriptor: Descriptor, documents: inout [Digest: [UInt8]])
        throws(ImageStoreError) -> Descriptor
    {
        guard content.exists(descriptor.digest) else { return descriptor }
        let bytes: [UInt8]
        let mediaType: String
        switch descriptor.mediaType {
        case MediaType.dockerManifest:
            var manifest = try decode(ImageManifest.self, descriptor.digest, what: "export")
            manifest.mediaType = MediaType.ociManifest
            manifest.config.mediaType = MediaType.ociConfig
            manifest.layers = manifest.layers.map { layer in
                var copy = layer
                copy.mediaType = Self.ociLayerType(layer.mediaType)
                return copy
            }
            bytes = try encode(manifest)
            mediaType = MediaType.ociManifest
        case MediaType.dockerManifestList:
            var index = try decode(ImageIndex.self, descriptor.digest, what: "export")
            index.mediaType = MediaType.ociIndex
            var children: [Descriptor] = []
            for child in index.manifests {
                children.append(try ociDescriptor(child, documents: &documents))
            }
            index.manifests = children
            bytes = try encode(index)
            mediaType = MediaType.ociIndex
        default:
            return descriptor
        }
        let digest = Digest.sha256(of: bytes)
        documents[digest] = bytes
        var converted = descriptor
        converted.mediaType = mediaType
        converted.digest = digest
        converted.size = Int64(bytes.count)
        return converted
    }

    private static func ociLayerType(_ type: String) -> String {
        switch type {
        case MediaType.dockerLayerGzip: MediaType.ociLayerGzip
        case MediaType.dockerLayerForeignGzip: MediaType.ociLayerNondistributableGzip
        case MediaType.dockerUncompressedLayer: MediaType.ociLayer
        default: type
        }
    }
}
