import ImageSpec

/// Why talking to a registry failed. Each message names the registry and the content
/// (repository, tag or digest) that failed.
public enum RegistryError: Error, Sendable, CustomStringConvertible {
    /// The registry refused the credentials, or demanded some and none were given.
    case unauthorized(registry: String, repository: String, detail: String)
    /// The manifest (by tag or digest) or blob does not exist.
    case manifestNotFound(registry: String, repository: String, reference: String)
    case blobNotFound(registry: String, repository: String, digest: Digest)
    /// Content whose bytes do not hash to the digest that named them.
    case digestMismatch(registry: String, expected: Digest, actual: Digest)
    /// Content longer or shorter than its descriptor said.
    case sizeMismatch(registry: String, digest: Digest, expected: Int64, actual: Int64)
    /// Any other HTTP status; `message` is the registry's error document, if any.
    case status(registry: String, url: String, status: Int, message: String,
                retryAfterSeconds: Int?)
    /// Connecting, TLS or the transfer itself failed.
    case transport(registry: String, url: String, message: String, transient: Bool)
    /// The registry's TLS certificate is not trusted (or does not name the host).
    case untrustedCertificate(registry: String, message: String)
    /// A manifest or index that cannot be used.
    case invalidManifest(registry: String, reference: String, reason: String)
    /// No manifest of an index suits the wanted platform.
    case noMatchingPlatform(reference: String, platform: String, available: [String])
    /// A digest algorithm other than sha256.
    case unsupportedDigest(Digest)
    /// The Docker config file could not be used.
    case invalidCredentialsFile(path: String, reason: String)
    /// The content store refused or failed to take a blob.
    case store(digest: Digest, message: String)

    /// The kind of failure, for the daemon's API boundary.
    public enum Kind: Sendable {
        case invalidArgument, notFound, unauthorized, unavailable, internalError
    }

    public var kind: Kind {
        switch self {
        case .unauthorized: .unauthorized
        case .manifestNotFound, .blobNotFound, .noMatchingPlatform: .notFound
        case .transport, .untrustedCertificate, .status: .unavailable
        case .unsupportedDigest, .invalidCredentialsFile: .invalidArgument
        case .digestMismatch, .sizeMismatch, .invalidManifest, .store: .internalError
        }
    }

    /// Whether trying again soon may succeed (resets, timeouts, 5xx, 429).
    var isTransient: Bool {
        switch self {
        case .transport(_, _, _, let transient): transient
        case .status(_, _, let status, _, _): status == 429 || (500...599).contains(status)
            && status != 501 && status != 505
        default: false
        }
    }

    public var description: String {
        switch self {
        case .unauthorized(let registry, let repository, let detail):
            "registry \"\(registry)\" refused access to \"\(repository)\": unauthorized: \(detail)"
        case .manifestNotFound(let registry, let repository, let reference):
            "manifest \"\(repository):\(reference)\" not found on registry \"\(registry)\""
        case .blobNotFound(let registry, let repository, let digest):
            "blob \(digest) of \"\(repository)\" not found on registry \"\(registry)\" (404)"
        case .digestMismatch(let registry, let expected, let actual):
            "content \(expected) from registry \"\(registry)\" failed verification: "
                + "its bytes have digest \(actual)"
        case .sizeMismatch(let registry, let digest, let expected, let actual):
            "content \(digest) from registry \"\(registry)\" has \(actual) bytes, "
                + "its descriptor says \(expected)"
        case .status(let registry, let url, let status, let message, _):
            "registry \"\(registry)\" answered \(status) to \(url)"
                + (message.isEmpty ? "" : ": \(message)")
        case .transport(let registry, let url, let message, _):
            "cannot reach registry \"\(registry)\" (\(url)): \(message)"
        case .untrustedCertificate(let registry, let message):
            "certificate of registry \"\(registry)\" is not trusted: \(message) "
                + "(put its CA in <certs.d>/\(registry)/ca.crt)"
        case .invalidManifest(let registry, let reference, let reason):
            "invalid manifest \"\(reference)\" from registry \"\(registry)\": \(reason)"
        case .noMatchingPlatform(let reference, let platform, let available):
            "no manifest for platform \(platform) in \"\(reference)\" (available: "
                + (available.isEmpty ? "none" : available.joined(separator: ", ")) + ")"
        case .unsupportedDigest(let digest):
            "unsupported digest algorithm \"\(digest.algorithm)\" in \(digest)"
        case .invalidCredentialsFile(let path, let reason):
            "cannot read registry credentials from \"\(path)\": \(reason)"
        case .store(let digest, let message):
            "content store cannot take \(digest): \(message)"
        }
    }
}
