/// An OCI image index or Docker manifest list: one manifest per platform.
public struct ImageIndex: Codable, Sendable {
    public var schemaVersion: Int
    public var mediaType: String?
    public var manifests: [Descriptor]
    public var annotations: [String: String]?

    public init(manifests: [Descriptor], mediaType: String? = MediaType.ociIndex,
                annotations: [String: String]? = nil) {
        self.schemaVersion = 2
        self.mediaType = mediaType
        self.manifests = manifests
        self.annotations = annotations
    }
}

/// An OCI image manifest or Docker schema 2 manifest: a config and its layers.
public struct ImageManifest: Codable, Sendable {
    public var schemaVersion: Int
    public var mediaType: String?
    public var config: Descriptor
    public var layers: [Descriptor]
    public var annotations: [String: String]?

    public init(config: Descriptor, layers: [Descriptor],
                mediaType: String? = MediaType.ociManifest) {
        self.schemaVersion = 2
        self.mediaType = mediaType
        self.config = config
        self.layers = layers
    }
}

/// The image configuration: how to run it and which layers make its root.
public struct ImageConfiguration: Codable, Sendable {
    public var architecture: String
    public var os: String
    public var variant: String?
    public var created: String?
    public var author: String?
    public var config: RunConfiguration?
    public var rootfs: RootFS
    public var history: [History]?

    public struct RunConfiguration: Codable, Sendable {
        public var User: String?
        public var Env: [String]?
        public var Entrypoint: [String]?
        public var Cmd: [String]?
        public var WorkingDir: String?
        public var Labels: [String: String]?
        public var StopSignal: String?
        public var ExposedPorts: [String: EmptyObject]?
        public var Volumes: [String: EmptyObject]?

        public init() {}
    }

    public struct RootFS: Codable, Sendable {
        public var type: String
        public var diff_ids: [Digest]

        public init(diffIDs: [Digest]) {
            type = "layers"
            diff_ids = diffIDs
        }
    }

    public struct History: Codable, Sendable {
        public var created: String?
        public var created_by: String?
        public var empty_layer: Bool?
        public var comment: String?
    }

    public var platform: Platform {
        Platform(os: os, architecture: architecture, variant: variant)
    }
}

/// `{}` in JSON, as used by ExposedPorts and Volumes.
public struct EmptyObject: Codable, Hashable, Sendable {
    public init() {}
}
