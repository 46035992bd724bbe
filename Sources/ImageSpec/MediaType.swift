/// The media types of OCI and Docker image content.
public enum MediaType {
    public static let ociIndex = "application/vnd.oci.image.index.v1+json"
    public static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    public static let ociConfig = "application/vnd.oci.image.config.v1+json"
    public static let ociLayer = "application/vnd.oci.image.layer.v1.tar"
    public static let ociLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip"
    public static let ociLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd"
    public static let ociLayerNondistributableGzip =
        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"

    public static let dockerManifestList =
        "application/vnd.docker.distribution.manifest.list.v2+json"
    public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    public static let dockerConfig = "application/vnd.docker.container.image.v1+json"
    public static let dockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip"
    public static let dockerLayerForeignGzip =
        "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"

    /// Whether `type` names an index (OCI index or Docker manifest list).
    public static func isIndex(_ type: String) -> Bool {
        type == ociIndex || type == dockerManifestList
    }

    /// Whether `type` names a single-platform manifest.
    public static func isManifest(_ type: String) -> Bool {
        type == ociManifest || type == dockerManifest
    }

    /// How a layer of media type `type` is compressed, or nil when it is not a layer.
    public static func layerCompression(_ type: String) -> LayerCompression? {
        switch type {
        case ociLayer, "application/vnd.docker.image.rootfs.diff.tar": .uncompressed
        case ociLayerGzip, ociLayerNondistributableGzip, dockerLayerGzip, dockerLayerForeignGzip:
            .gzip
        case ociLayerZstd: .zstd
        default: nil
        }
    }
}

public enum LayerCompression: Sendable {
    case uncompressed, gzip, zstd
}
