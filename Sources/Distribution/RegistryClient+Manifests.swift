import ImageSpec

extension RegistryClient {
    /// The manifest media types a pull accepts, most wanted first.
    static let manifestAccept = [
        MediaType.ociIndex, MediaType.ociManifest,
        MediaType.dockerManifestList, MediaType.dockerManifest,
    ].joined(separator: ", ")

    /// Resolves `reference` (tag or digest) to its manifest or index: the bytes and a
    /// descriptor whose digest was computed from them. When the reference pins a digest,
    /// or the registry sends `Docker-Content-Digest`, the bytes must hash to it.
    public func resolve(_ reference: ImageReference) throws -> (Descriptor, [UInt8]) {
        try resolve(reference, session: try makeSession())
    }

    /// The descriptor `reference` points at, from a HEAD request (no body is fetched);
    /// nil when the registry does not say the digest.
    public func head(_ reference: ImageReference) throws -> Descriptor? {
        try head(reference, session: try makeSession())
    }

    /// The manifest or index `digest` of `reference`'s repository, verified.
    public func fetchManifest(_ reference: ImageReference, digest: Digest) throws -> [UInt8] {
        try fetchManifest(reference, digest: digest, session: try makeSession())
    }

    func resolve(_ reference: ImageReference, session: HTTPSession) throws
        -> (Descriptor, [UInt8])
    {
        let name = reference.manifestReference
        let (bytes, contentType, announced) = try getManifest(reference, name: name,
                                                              session: session)
        let digest = Digest.sha256(of: bytes)
        if let expected = reference.digest ?? announced, expected.algorithm == "sha256",
            expected != digest
        {
            throw RegistryError.digestMismatch(registry: reference.domain, expected: expected,
                                               actual: digest)
        }
        let descriptor = try describe(bytes, digest: digest, declared: contentType,
                                      reference: reference)
        return (descriptor, bytes)
    }

    func head(_ reference: ImageReference, session: HTTPSession) throws -> Descriptor? {
        let name = reference.manifestReference
        let target = url(reference, "manifests/\(name)")
        var request = HTTPRequest(.head, target)
        request.headers.append(("Accept", Self.manifestAccept))
        let response = try retrying("head manifest \(reference)") {
            let response = try send(request, for: reference, session: session)
            guard response.status == 200 else {
                throw failure(response, url: target, registry: reference.domain,
                              notFound: .manifestNotFound(registry: reference.domain,
                                                          repository: reference.path,
                                                          reference: name))
            }
            return response
        }
        guard let digestText = response.header("docker-content-digest"),
            let digest = Digest(digestText.trimmingSpaces),
            let type = response.contentType,
            let length = response.header("content-length").flatMap({ Int64($0) })
        else { return nil }
        return Descriptor(mediaType: type, digest: digest, size: length)
    }

    func fetchManifest(_ reference: ImageReference, digest: Digest, size: Int64? = nil,
                       session: HTTPSession) throws -> [UInt8] {
        guard digest.algorithm == "sha256" else { throw RegistryError.unsupportedDigest(digest) }
        let (bytes, _, _) = try getManifest(reference, name: digest.description,
                                            session: session)
        let actual = Digest.sha256(of: bytes)
        guard actual == digest else {
            throw RegistryError.digestMismatch(registry: reference.domain, expected: digest,
                                               actual: actual)
        }
        if let size, size != Int64(bytes.count) {
            throw RegistryError.sizeMismatch(registry: reference.domain, digest: digest,
                                             expected: size, actual: Int64(bytes.count))
        }
        return bytes
    }

    /// A descriptor for the manifest-like `bytes`, or an error naming `reference`.
    func describe(_ bytes: [UInt8], digest: Digest, declared: String?,
                  reference: ImageReference) throws -> Descriptor {
        guard let type = ManifestDocument.mediaType(of: bytes, declared: declared),
            MediaType.isIndex(type) || MediaType.isManifest(type)
        else {
            let shown = declared ?? "unknown"
            throw RegistryError.invalidManifest(
                registry: reference.domain, reference: reference.familiar,
                reason: "not an OCI or Docker schema 2 manifest or index (\(shown))")
        }
        return Descriptor(mediaType: type, digest: digest, size: Int64(bytes.count))
    }

    /// GET `/v2/<name>/manifests/<tag or digest>`: the body, its Content-Type and the
    /// digest the registry announced.
    private func getManifest(_ reference: ImageReference, name: String,
                             session: HTTPSession) throws
        -> (bytes: [UInt8], contentType: String?, announced: Digest?)
    {
        let target = url(reference, "manifests/\(name)")
        var request = HTTPRequest(.get, target)
        request.headers.append(("Accept", Self.manifestAccept))
        let response = try retrying("get manifest \(reference.path):\(name)") {
            let response = try send(request, for: reference, session: session)
            guard response.status == 200 else {
                throw failure(response, url: target, registry: reference.domain,
                              notFound: .manifestNotFound(registry: reference.domain,
                                                          repository: reference.path,
                                                          reference: name))
            }
            return response
        }
        let announced = response.header("docker-content-digest")
            .flatMap { Digest($0.trimmingSpaces) }
        return (response.body, response.contentType, announced)
    }
}
