/// A reference to an image such as `alpine`, `ghcr.io/org/app:1.2` or
/// `localhost:5000/app@sha256:...`, normalized the way Docker reads it.
///
/// Normalization:
/// - the first path component is a registry domain when it contains `.` or `:`, or is
///   `localhost`; otherwise the domain is `docker.io`;
/// - `index.docker.io` is folded into `docker.io`;
/// - a single-component repository on `docker.io` gains the `library/` prefix;
/// - a reference with neither tag nor digest gains the tag `latest`.
///
/// `description` is the full form (`docker.io/library/alpine:latest`), `familiar` the
/// short form people type (`alpine:latest`).
public struct ImageReference: Hashable, Sendable, CustomStringConvertible {
    /// The registry host, with its port when one was given (`docker.io`, `localhost:5000`).
    public let domain: String
    /// The repository path inside the registry (`library/alpine`).
    public let path: String
    /// The tag, when the reference names one.
    public let tag: String?
    /// The digest, when the reference pins one.
    public let digest: Digest?

    public static let defaultDomain = "docker.io"
    public static let defaultTag = "latest"

    /// Why a text is not a valid reference.
    public enum ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        case empty
        case invalidDomain(String)
        case invalidPath(String)
        case invalidTag(String)
        case invalidDigest(String)

        public var description: String {
            switch self {
            case .empty: "empty image reference"
            case .invalidDomain(let text): "invalid registry domain \"\(text)\" in reference"
            case .invalidPath(let text): "invalid repository name \"\(text)\" in reference"
            case .invalidTag(let text): "invalid tag \"\(text)\" in reference"
            case .invalidDigest(let text): "invalid digest \"\(text)\" in reference"
            }
        }
    }

    /// Builds a reference from parts already known to be valid.
    public init(domain: String, path: String, tag: String?, digest: Digest?) {
        self.domain = domain
        self.path = path
        self.tag = tag
        self.digest = digest
    }

    /// Parses and normalizes `text`.
    public init(parsing text: String) throws(ParseError) {
        guard !text.isEmpty else { throw .empty }

        var remainder = Substring(text)
        var digest: Digest?
        if let at = remainder.firstIndex(of: "@") {
            let digestText = String(remainder[remainder.index(after: at)...])
            guard let parsed = Digest(digestText) else { throw .invalidDigest(digestText) }
            digest = parsed
            remainder = remainder[..<at]
        }

        // A tag is the part after the last colon, provided no slash follows that colon
        // (a colon before a slash belongs to a registry port).
        var tag: String?
        if let colon = remainder.lastIndex(of: ":"),
            !remainder[colon...].contains("/")
        {
            let tagText = String(remainder[remainder.index(after: colon)...])
            guard Self.isValidTag(tagText) else { throw .invalidTag(tagText) }
            tag = tagText
            remainder = remainder[..<colon]
        }

        var components = remainder.split(separator: "/", omittingEmptySubsequences: false)
            .map(String.init)
        var domain = Self.defaultDomain
        if components.count > 1, let first = components.first,
            first.contains(".") || first.contains(":") || first == "localhost"
        {
            guard Self.isValidDomain(first) else { throw .invalidDomain(first) }
            domain = first == "index.docker.io" ? Self.defaultDomain : first
            components.removeFirst()
        }
        if domain == Self.defaultDomain && components.count == 1 {
            components.insert("library", at: 0)
        }
        let path = components.joined(separator: "/")
        guard !components.isEmpty, components.allSatisfy(Self.isValidPathComponent),
            path.utf8.count <= 255
        else {
            throw .invalidPath(String(remainder))
        }

        if tag == nil && digest == nil {
            tag = Self.defaultTag
        }
        self.init(domain: domain, path: path, tag: tag, digest: digest)
    }

    /// `domain/path`, the repository without tag or digest.
    public var name: String {
        "\(domain)/\(path)"
    }

    /// The full normalized form: `docker.io/library/alpine:3.20`.
    public var description: String {
        var text = name
        if let tag { text += ":" + tag }
        if let digest { text += "@" + digest.description }
        return text
    }

    /// The short form Docker prints: `alpine:3.20`, `ghcr.io/org/app:1.2`.
    public var familiar: String {
        var repository = name
        if domain == Self.defaultDomain {
            repository = path.hasPrefix("library/") && path.split(separator: "/").count == 2
                ? String(path.dropFirst("library/".count)) : path
        }
        var text = repository
        if let tag { text += ":" + tag }
        if let digest { text += "@" + digest.description }
        return text
    }

    /// The host to contact for the registry API: `registry-1.docker.io` for Docker Hub.
    public var registryHost: String {
        domain == Self.defaultDomain ? "registry-1.docker.io" : domain
    }

    /// What to ask the registry for: the digest when pinned, else the tag.
    public var manifestReference: String {
        digest?.description ?? tag ?? Self.defaultTag
    }

    /// The same repository with another tag and no digest.
    public func withTag(_ newTag: String) -> ImageReference {
        ImageReference(domain: domain, path: path, tag: newTag, digest: nil)
    }

    /// A tag is a word character followed by up to 127 word characters, dots or dashes.
    static func isValidTag(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, bytes.count <= 128, isWordByte(first) else {
            return false
        }
        return bytes.allSatisfy {
            isWordByte($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-")
        }
    }

    /// A path component is lowercase alphanumerics joined by `.`, `_`, `__` or dashes.
    static func isValidPathComponent(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, let last = bytes.last,
            isLowerAlphanumeric(first), isLowerAlphanumeric(last)
        else { return false }
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if isLowerAlphanumeric(byte) {
                index += 1
                continue
            }
            // A separator run: ".", "_", "__" or one or more "-".
            var end = index
            while end < bytes.count && !isLowerAlphanumeric(bytes[end]) { end += 1 }
            let separator = String(decoding: bytes[index..<end], as: UTF8.self)
            let isDashes = separator.utf8.allSatisfy { $0 == UInt8(ascii: "-") }
            guard separator == "." || separator == "_" || separator == "__" || isDashes else {
                return false
            }
            index = end
        }
        return true
    }

    /// A domain is dot-separated host labels with an optional `:port`.
    static func isValidDomain(_ text: String) -> Bool {
        var host = Substring(text)
        if let colon = text.lastIndex(of: ":") {
            let port = text[text.index(after: colon)...]
            guard !port.isEmpty, port.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
                return false
            }
            host = text[..<colon]
        }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        return !labels.isEmpty && labels.allSatisfy { label in
            guard let first = label.utf8.first, let last = label.utf8.last,
                isAlphanumeric(first), isAlphanumeric(last)
            else { return false }
            return label.utf8.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") }
        }
    }

    private static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (0x61...0x7a).contains(byte) || (0x30...0x39).contains(byte)
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isLowerAlphanumeric(byte) || (0x41...0x5a).contains(byte)
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || byte == UInt8(ascii: "_")
    }
}
