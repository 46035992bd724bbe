import CCrypto
import CSHA256

/// Streams bytes through SHA-256.
///
/// On a CPU with SHA extensions (x86-64 SHA-NI: every AMD Zen, Intel since Ice Lake and
/// Goldmont) the digest is computed here (Sources/CSHA256), as fast as libcrypto and
/// without loading it. On one without them libcrypto is loaded at the first hash
/// (Sources/CLazyLibraries): its vector code is twice as fast as portable C, which
/// remains the fallback when libcrypto cannot be loaded.
public struct SHA256Hasher: ~Copyable {
    /// Whether hashes go to libcrypto: decided once, at the first hasher.
    static let usesLibcrypto: Bool =
        csha256_uses_cpu_extensions() == 0 && LazyLibrary.crypto.loadFailure() == nil

    private var context = csha256_context()
    private let libcryptoContext: OpaquePointer?

    public init() {
        if Self.usesLibcrypto {
            libcryptoContext = EVP_MD_CTX_new()
            EVP_DigestInit_ex(libcryptoContext, EVP_sha256(), nil)
        } else {
            libcryptoContext = nil
            csha256_init(&context)
        }
    }

    deinit {
        if let libcryptoContext {
            EVP_MD_CTX_free(libcryptoContext)
        }
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else {
            return
        }
        if let libcryptoContext {
            EVP_DigestUpdate(libcryptoContext, bytes.baseAddress, bytes.count)
        } else {
            csha256_update(&context, bytes.baseAddress, bytes.count)
        }
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The digest of everything fed so far. The hasher must not be used afterwards.
    public consuming func finish() -> Digest {
        var output = [UInt8](repeating: 0, count: 32)
        if let libcryptoContext {
            var length: UInt32 = 0
            EVP_DigestFinal_ex(libcryptoContext, &output, &length)
        } else {
            csha256_final(&context, &output)
        }
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in output {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0f)])
        }
        return Digest("sha256:" + String(decoding: hex, as: UTF8.self))!
    }
}
