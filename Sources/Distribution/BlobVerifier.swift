import ImageSpec

/// Counts and hashes a blob's bytes as they stream past.
final class BlobVerifier {
    private var hasher: SHA256Hasher? = SHA256Hasher()
    private(set) var count: Int64 = 0

    func update(_ bytes: UnsafeRawBufferPointer) {
        hasher?.update(bytes)
        count += Int64(bytes.count)
    }

    /// The digest of everything seen; the verifier must not be used afterwards.
    func finish() -> Digest {
        guard let hasher = hasher.take() else {
            preconditionFailure("BlobVerifier.finish called twice")
        }
        return hasher.finish()
    }
}
