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
    public func export(to path: String, references: [String]) throws(ImageStoreError) {
        try locked { () throws(ImageStoreError) in
            var entries: [Descriptor] = []
            var walk = ContentWalk(store: content, platform: platform, allPlatforms: true)
            walk.strict = false
            var blobs: [Digest] = []
            for reference in references {
                let record = try image(reference)
                var descriptor = record.target
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
                for digest in blobs {
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
}
