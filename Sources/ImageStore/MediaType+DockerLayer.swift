import ImageSpec

extension MediaType {
    /// Docker's media type for an uncompressed layer, as `docker save` stores layers.
    static let dockerUncompressedLayer = "application/vnd.docker.image.rootfs.diff.tar"
}
