import ImageSpec

extension RegistryClient {
    /// Streams the blob `descriptor` of `reference`'s repository into `sink`, resuming
    /// after what the sink already has and, when the connection drops mid-blob, from
    /// where it dropped (`Range`). The whole blob's size and digest are checked before
    /// `sink.commit`; on any failure the sink is aborted. `progress` gets the count of
    /// bytes verified so far.
    public func fetchBlob(_ reference: ImageReference, descriptor: Descriptor,
                          into sink: any BlobSink, progress: (Int64) -> Void) throws {
        _ = try fetchBlob(reference, descriptor: descriptor, into: sink,
                          session: try makeSession(), progress: progress)
    }

    /// As `fetchBlob(_:descriptor:into:progress:)`; returns the bytes received.
    func fetchBlob(_ reference: ImageReference, descriptor: Descriptor,
                   into sink: any BlobSink, session: HTTPSession,
                   progress: (Int64) -> Void) throws -> Int64 {
        let registry = reference.domain
        guard descriptor.digest.algorithm == "sha256" else {
            sink.abort()
            throw RegistryError.unsupportedDigest(descriptor.digest)
        }
        do {
            let verifier = try resumedVerifier(sink, descriptor: descriptor)
            var received: Int64 = 0
            if verifier.count < descriptor.size || descriptor.size == 0 {
                received = try download(reference, descriptor: descriptor, sink: sink,
                                        verifier: verifier, session: session,
                                        progress: progress)
            }
            guard verifier.count == descriptor.size else {
                throw RegistryError.sizeMismatch(registry: registry, digest: descriptor.digest,
                                                 expected: descriptor.size,
                                                 actual: verifier.count)
            }
            let actual = verifier.finish()
            guard actual == descriptor.digest else {
                throw RegistryError.digestMismatch(registry: registry,
                                                   expected: descriptor.digest, actual: actual)
            }
            do {
                try sink.commit(digest: actual, size: descriptor.size)
            } catch {
                throw RegistryError.store(digest: descriptor.digest, message: "\(error)")
            }
            return received
        } catch {
            sink.abort()
            throw error
        }
    }

    /// A verifier that has seen the bytes `sink` kept from an earlier try.
    private func resumedVerifier(_ sink: any BlobSink, descriptor: Descriptor) throws
        -> BlobVerifier
    {
        let verifier = BlobVerifier()
        let kept = sink.alreadyHave
        guard kept > 0 else { return verifier }
        guard kept <= descriptor.size else {
            throw RegistryError.sizeMismatch(registry: "local ingest", digest: descriptor.digest,
                                             expected: descriptor.size, actual: kept)
        }
        do {
            try sink.replay { verifier.update($0) }
        } catch {
            throw RegistryError.store(digest: descriptor.digest,
                                      message: "cannot read back partial download: \(error)")
        }
        guard verifier.count == kept else {
            throw RegistryError.store(
                digest: descriptor.digest,
                message: "partial download replayed \(verifier.count) of \(kept) bytes")
        }
        logger.debug("resuming blob", ["digest": descriptor.digest, "offset": kept])
        return verifier
    }

    /// GETs the rest of the blob, retrying from the last byte received after transient
    /// failures. A registry that ignores `Range` and sends the whole blob again has the
    /// bytes already seen skipped.
    private func download(_ reference: ImageReference, descriptor: Descriptor,
                          sink: any BlobSink, verifier: BlobVerifier, session: HTTPSession,
                          progress: (Int64) -> Void) throws -> Int64 {
        // The body consumer is stored by libcurl's transfer only while it runs.
        try withoutActuallyEscaping(progress) { progress in
            try download(reference, descriptor: descriptor, sink: sink, verifier: verifier,
                         session: session, target: url(reference, "blobs/\(descriptor.digest)"),
                         progress: progress)
        }
    }

    private func download(_ reference: ImageReference, descriptor: Descriptor,
                          sink: any BlobSink, verifier: BlobVerifier, session: HTTPSession,
                          target: String, progress: @escaping (Int64) -> Void) throws -> Int64 {
        let registry = reference.domain
        var received: Int64 = 0
        var offsetAtLastTry = verifier.count
        try retrying("get blob \(descriptor.digest)", progressed: {
            defer { offsetAtLastTry = verifier.count }
            return verifier.count > offsetAtLastTry
        }) {
            let start = verifier.count
            var request = HTTPRequest(.get, target)
            request.followRedirects = true
            request.rangeStart = start
            var skip: Int64 = -1
            let response = try send(request, for: reference, session: session) { head, bytes in
                if skip < 0 {
                    skip = try Self.bytesToSkip(head, requested: start, registry: registry,
                                                url: target)
                }
                var piece = bytes
                if skip > 0 {
                    let dropped = Int(min(Int64(piece.count), skip))
                    piece = UnsafeRawBufferPointer(rebasing: piece[dropped...])
                    skip -= Int64(dropped)
                }
                guard !piece.isEmpty else { return }
                received += Int64(piece.count)
                guard verifier.count + Int64(piece.count) <= descriptor.size else {
                    throw RegistryError.sizeMismatch(
                        registry: registry, digest: descriptor.digest, expected: descriptor.size,
                        actual: verifier.count + Int64(piece.count))
                }
                verifier.update(piece)
                do {
                    try sink.write(piece)
                } catch {
                    throw RegistryError.store(digest: descriptor.digest, message: "\(error)")
                }
                progress(verifier.count)
            }
            guard response.status == 200 || response.status == 206 else {
                throw failure(response, url: target, registry: registry,
                              notFound: .blobNotFound(registry: registry,
                                                      repository: reference.path,
                                                      digest: descriptor.digest))
            }
        }
        return received
    }

    /// How many leading bytes of a response to drop: none for a 206 that starts where
    /// asked, `requested` for a 200 carrying the whole blob.
    private static func bytesToSkip(_ head: ResponseHead, requested: Int64, registry: String,
                                    url: String) throws -> Int64 {
        guard head.status == 206 else { return requested }
        // Content-Range: bytes START-END/TOTAL
        let range = head.header("content-range") ?? ""
        let numbers = range.split(whereSeparator: { !$0.isNumber })
        guard let first = numbers.first, Int64(first) == requested else {
            throw RegistryError.status(registry: registry, url: url, status: 206,
                                       message: "partial content \"\(range)\" does not start "
                                           + "at byte \(requested)",
                                       retryAfterSeconds: nil)
        }
        return 0
    }
}
