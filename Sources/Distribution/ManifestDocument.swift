import ImageSpec
import JSON

/// What a manifest-like document is, judged from its bytes and the media type the
/// registry or the parent index declared.
enum ManifestDocument {
    case index(ImageIndex)
    case manifest(ImageManifest)

    private struct Probe: Decodable {
        var mediaType: String?
        var manifests: [Descriptor]?
        var config: Descriptor?
    }

    /// The media type of `bytes`: the document's own `mediaType` field, else the declared
    /// type, else guessed from its shape (`manifests` makes an index).
    static func mediaType(of bytes: [UInt8], declared: String?) -> String? {
        guard let probe = try? JSONValueDecoder().decode(Probe.self, fromText: bytes) else {
            return nil
        }
        if let own = probe.mediaType, !own.isEmpty {
            return own
        }
        if let declared, MediaType.isIndex(declared) || MediaType.isManifest(declared) {
            return declared
        }
        if probe.manifests != nil {
            return MediaType.ociIndex
        }
        return probe.config != nil ? MediaType.ociManifest : nil
    }

    /// Decodes `bytes` as the index or manifest that `mediaType` says it is.
    static func decode(_ bytes: [UInt8], mediaType: String) throws -> ManifestDocument {
        let decoder = JSONValueDecoder()
        if MediaType.isIndex(mediaType) {
            return .index(try decoder.decode(ImageIndex.self, fromText: bytes))
        }
        if MediaType.isManifest(mediaType) {
            return .manifest(try decoder.decode(ImageManifest.self, fromText: bytes))
        }
        throw DecodingError.dataCorrupted(.init(codingPath: [],
            debugDescription: "unsupported media type \"\(mediaType)\""))
    }
}
