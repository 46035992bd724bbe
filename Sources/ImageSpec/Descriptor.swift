/// A reference to content: what it is, where (its digest), and how big it is.
public struct Descriptor: Codable, Hashable, Sendable {
    public var mediaType: String
    public var digest: Digest
    public var size: Int64
    public var annotations: [String: String]?
    public var platform: Platform?
    public var urls: [String]?

    public init(mediaType: String, digest: Digest, size: Int64,
                annotations: [String: String]? = nil, platform: Platform? = nil) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.annotations = annotations
        self.platform = platform
    }
}

/// The platform an image runs on.
public struct Platform: Codable, Hashable, Sendable, CustomStringConvertible {
    public var architecture: String
    public var os: String
    public var variant: String?
    public var osVersion: String?
    public var osFeatures: [String]?

    enum CodingKeys: String, CodingKey {
        case architecture, os, variant
        case osVersion = "os.version"
        case osFeatures = "os.features"
    }

    public init(os: String, architecture: String, variant: String? = nil) {
        self.os = os
        self.architecture = architecture
        self.variant = variant
    }

    /// Parses `os/arch[/variant]`, normalizing as containerd does (amd64/x86_64,
    /// arm64/aarch64 with variant v8 implied).
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard (2...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else {
            return nil
        }
        self.init(os: parts[0], architecture: parts[1], variant: parts.count == 3 ? parts[2] : nil)
        self = normalized
    }

    /// The platform with architecture aliases folded and default variants filled.
    public var normalized: Platform {
        var copy = self
        copy.os = os.lowercased()
        switch architecture.lowercased() {
        case "x86_64", "x86-64", "amd64": copy.architecture = "amd64"; copy.variant = nil
        case "aarch64", "arm64":
            copy.architecture = "arm64"
            if variant == nil || variant == "8" { copy.variant = "v8" }
        case "armhf": copy.architecture = "arm"; copy.variant = "v7"
        case "armel": copy.architecture = "arm"; copy.variant = "v6"
        case "i386", "i686", "386": copy.architecture = "386"
        default: copy.architecture = architecture.lowercased()
        }
        return copy
    }

    /// Whether an image for `candidate` runs on this platform (both normalized).
    public func matches(_ candidate: Platform) -> Bool {
        let wanted = normalized
        let offered = candidate.normalized
        guard wanted.os == offered.os, wanted.architecture == offered.architecture else {
            return false
        }
        return wanted.variant == nil || offered.variant == nil || wanted.variant == offered.variant
    }

    /// The platform of the running host.
    public static var host: Platform {
        #if arch(x86_64)
        Platform(os: "linux", architecture: "amd64")
        #elseif arch(arm64)
        Platform(os: "linux", architecture: "arm64", variant: "v8")
        #else
        Platform(os: "linux", architecture: "unknown")
        #endif
    }

    public var description: String {
        [os, architecture, variant].compactMap { $0 }.joined(separator: "/")
    }
}
