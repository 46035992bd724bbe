import ImageSpec

/// One entry of a `docker save` archive's `manifest.json`.
struct DockerArchiveEntry: Decodable {
    var Config: String
    var RepoTags: [String]?
    var Layers: [String]
}

/// What an image archive held: its small documents, where each file's content went,
/// and which blobs this import added to the store.
struct ArchiveContents {
    static let documents: Set<String> = ["index.json", "manifest.json", "oci-layout",
                                         "repositories"]

    var documents: [String: [UInt8]] = [:]
    var files: [String: Digest] = [:]
    var symlinks: [String: String] = [:]
    var createdBlobs: Set<Digest> = []

    /// Stores a document the import made (a converted manifest, an index), noting
    /// whether it is new so a failed import removes it too.
    mutating func store(_ bytes: [UInt8], in content: ContentStore) throws(ImageStoreError)
        -> (Digest, Int64)
    {
        let writer = try content.writer()
        try writer.write(bytes)
        let (digest, size) = try writer.commit()
        if writer.created {
            createdBlobs.insert(digest)
        }
        return (digest, size)
    }

    /// The blob a file of the archive holds, following the archive's own links.
    func digest(of path: String, what: String) throws(ImageStoreError) -> Digest {
        var name = Self.clean(path)
        for _ in 0..<16 {
            if let digest = files[name] {
                return digest
            }
            guard let target = symlinks[name] else { break }
            name = target
        }
        throw .invalidArchive(what: what, reason: "\(path) is referenced but not in the archive")
    }

    /// The path without `./` and leading or doubled slashes.
    static func clean(_ path: String) -> String {
        path.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
    }

    /// Where the archive's symlink at `name` points, as an archive path.
    static func resolve(_ target: String, from name: String) -> String {
        var parts = target.hasPrefix("/")
            ? [] : Array(clean(name).split(separator: "/").dropLast())
        for part in target.split(separator: "/") {
            if part == ".." {
                if !parts.isEmpty { parts.removeLast() }
            } else if part != "." {
                parts.append(part)
            }
        }
        return parts.joined(separator: "/")
    }

    /// The digest an OCI layout path `blobs/<algorithm>/<hex>` announces.
    static func blobDigest(_ name: String) -> Digest? {
        let parts = name.split(separator: "/")
        guard parts.count == 3, parts[0] == "blobs" else { return nil }
        return Digest("\(parts[1]):\(parts[2])")
    }
}
