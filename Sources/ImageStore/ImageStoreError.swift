import ImageSpec
import SystemKit

/// Why an image store operation failed. Every case names the input that failed: the
/// blob, the archive, the layer and the entry inside it, the image.
public enum ImageStoreError: Error, Sendable, CustomStringConvertible {
    /// A system call failed.
    case system(SystemError)
    /// SQLite refused a statement; carries the statement and SQLite's own text.
    case database(DatabaseError)
    /// Content did not hash to the digest it was announced with.
    case digestMismatch(what: String, expected: Digest, actual: Digest)
    /// Content did not have the size it was announced with.
    case sizeMismatch(what: String, expected: Int64, actual: Int64)
    /// A blob that something refers to is not in the content store or the archive.
    case blobNotFound(Digest, referencedBy: String?)
    /// libarchive could not read an archive or a layer.
    case archive(what: String, message: String)
    /// An archive is readable but is not an image archive we understand.
    case invalidArchive(what: String, reason: String)
    /// A JSON document (index, manifest, config) does not decode.
    case invalidDocument(what: String, reason: String)
    /// A layer entry would reach outside the root, or cannot be applied.
    case unsafeEntry(layer: Digest, entry: String, reason: String)
    /// Applying a layer entry failed.
    case layerEntry(layer: Digest, entry: String, cause: SystemError)
    /// No image has this name.
    case imageNotFound(String)
    /// A reference does not parse.
    case invalidReference(String, ImageReference.ParseError)
    /// Nothing in an image runs on the wanted platform.
    case noMatchingPlatform(image: String, platform: Platform)
    /// No snapshot, container root or mount by this key.
    case snapshotNotFound(String)
    /// A snapshot or root key is already in use.
    case snapshotExists(String)
    /// A verb given several targets failed for some of them (one error each).
    indirect case several([ImageStoreError])
    /// An overlay or bind mount failed.
    case mount(what: String, step: String, cause: SystemError)
    /// libarchive, loaded at its first use, cannot be loaded.
    case libraryUnavailable(String)

    public var description: String {
        switch self {
        case .system(let error):
            error.description
        case .database(let error):
            error.description
        case .digestMismatch(let what, let expected, let actual):
            "\(what): digest mismatch: expected \(expected), got \(actual)"
        case .sizeMismatch(let what, let expected, let actual):
            "\(what): size mismatch: expected \(expected) bytes, got \(actual)"
        case .blobNotFound(let digest, let referencedBy):
            if let referencedBy {
                "blob \(digest) referenced by \(referencedBy) is missing"
            } else {
                "blob \(digest) is not in the content store"
            }
        case .archive(let what, let message):
            "reading \(what): \(message)"
        case .invalidArchive(let what, let reason):
            "\(what) is not an image archive: \(reason)"
        case .invalidDocument(let what, let reason):
            "\(what) is not valid: \(reason)"
        case .unsafeEntry(let layer, let entry, let reason):
            "layer \(layer): entry \"\(entry)\" refused: \(reason)"
        case .layerEntry(let layer, let entry, let cause):
            "layer \(layer): entry \"\(entry)\": \(cause)"
        case .imageNotFound(let name):
            "image \"\(name)\" not found"
        case .invalidReference(let text, let error):
            "\"\(text)\": \(error)"
        case .noMatchingPlatform(let image, let platform):
            "image \"\(image)\" has no content for platform \(platform)"
        case .snapshotNotFound(let key):
            "snapshot \"\(key)\" not found"
        case .snapshotExists(let key):
            "snapshot \"\(key)\" already exists"
        case .several(let errors):
            errors.map(\.description).joined(separator: "; ")
        case .mount(let what, let step, let cause):
            "mounting \(what): \(step): \(cause.reason)"
        case .libraryUnavailable(let message):
            message
        }
    }
}

/// Runs `body`, turning a `SystemError` into `ImageStoreError.system`.
@inline(__always)
@discardableResult
func systemCall<T>(_ body: () throws(SystemError) -> T) throws(ImageStoreError) -> T {
    do {
        return try body()
    } catch {
        throw .system(error)
    }
}
