#if canImport(Glibc)
import Glibc
#endif
import ImageSpec
import SystemKit

extension ImageService {
    /// Unpacks the image `reference` for this platform (layers not yet unpacked only)
    /// and returns the chain ID of its top layer.
    @discardableResult
    public func unpack(_ reference: String) throws(ImageStoreError) -> String {
        try locked { () throws(ImageStoreError) in
            let record = try image(reference)
            let (_, manifest, configuration) = try platformManifest(record)
            var created: [String] = []
            do throws(ImageStoreError) {
                return try unpack(manifest, configuration, image: record.name, created: &created)
            } catch {
                for key in created.reversed() { try? snapshots.remove(key) }
                throw error
            }
        }
    }

    /// The chain IDs of the image's layers, bottom first (OCI image spec: the chain ID of
    /// a stack is the digest of "<parent chain ID> <diff ID>").
    static func chainIDs(_ diffIDs: [Digest]) -> [String] {
        var chain: [String] = []
        for diffID in diffIDs {
            if let parent = chain.last {
                chain.append(Digest.sha256(of: Array("\(parent) \(diffID)".utf8)).description)
            } else {
                chain.append(diffID.description)
            }
        }
        return chain
    }

    /// Applies each layer not yet present as a snapshot, then commits the new ones
    /// together; appends the keys of the snapshots it creates to `created` (so a caller
    /// can remove them when a later step fails). Returns the top chain ID.
    func unpack(_ manifest: ImageManifest, _ configuration: ImageConfiguration, image: String,
                created: inout [String]) throws(ImageStoreError) -> String
    {
        let diffIDs = configuration.rootfs.diff_ids
        guard diffIDs.count == manifest.layers.count else {
            throw .invalidDocument(what: "image \"\(image)\"",
                                   reason: "the manifest has \(manifest.layers.count) layers"
                                       + " but the config lists \(diffIDs.count) diff IDs")
        }
        let chain = Self.chainIDs(diffIDs)
        // The fs directories of the layers applied so far, topmost first.
        var lowers: [String] = []
        for (index, layer) in manifest.layers.enumerated() {
            if let row = try snapshots.row(chain[index]), row.kind != "active" {
                lowers.insert(snapshots.path(row.id) + "/fs", at: 0)
                continue
            }
            let parent = index > 0 ? chain[index - 1] : nil
            let path = try snapshots.createLayer(chainID: chain[index], parent: parent,
                                                 lowers: lowers) {
                (upper, lowers) throws(ImageStoreError) in
                try applyLayer(layer, diffID: diffIDs[index], upper: upper, lowers: lowers)
            }
            created.append(chain[index])
            lowers.insert(path, at: 0)
        }
        try snapshots.commit(created)
        return chain.last ?? ""
    }

    /// Streams the layer blob through decompression and the applier, then checks the
    /// uncompressed digest against `diffID`.
    private func applyLayer(_ layer: Descriptor, diffID: Digest, upper: Int32, lowers: [String])
        throws(ImageStoreError)
    {
        guard let compression = MediaType.layerCompression(layer.mediaType) else {
            throw .invalidDocument(what: "layer \(layer.digest)",
                                   reason: "unsupported media type \(layer.mediaType)")
        }
        let blob = try content.open(layer.digest)
        defer { blob.close() }
        let what = "layer \(layer.digest)"
        let stream = try DecompressedStream(fd: blob.rawValue, compression: compression,
                                            what: what)
        let reader = try TarReader(stream: stream, what: what)
        try LayerApplier(layer: layer.digest, upper: upper, lowers: lowers).apply(reader)
        let actual = try stream.drain(what: what)
        if actual != diffID {
            throw .digestMismatch(what: "uncompressed \(what)", expected: diffID, actual: actual)
        }
    }
}
