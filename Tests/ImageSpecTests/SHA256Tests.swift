import CSHA256
import ImageSpec
import Testing

/// SHA-256 without libcrypto (Sources/CSHA256): the FIPS 180-4 examples, and the CPU's
/// SHA extensions against the portable code on every length around the block size, fed
/// in pieces of every kind.
@Suite struct SHA256Tests {
    @Test func fipsExamples() {
        let examples: [(String, String)] = [
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ]
        for (text, hex) in examples {
            #expect(Digest.sha256(of: Array(text.utf8)).description == "sha256:" + hex)
        }
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(Digest.sha256(of: million).description
                == "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func extensionsAndPortableCodeAgreeWhateverThePieces() {
        var seed: UInt64 = 0x9e37_79b9_7f4a_7c15
        let data = (0..<4096).map { _ -> UInt8 in
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: seed >> 33)
        }
        for length in Array(0...300) + [1000, 4095, 4096] {
            for piece in [1, 7, 63, 64, 65, 1000] {
                let fast = Self.digest(data[..<length], piece: piece, portable: false)
                let portable = Self.digest(data[..<length], piece: 4096, portable: true)
                #expect(fast == portable, "length \(length), pieces of \(piece)")
            }
        }
    }

    static func digest(_ bytes: ArraySlice<UInt8>, piece: Int, portable: Bool) -> [UInt8] {
        var context = csha256_context()
        if portable {
            csha256_init_portable(&context)
        } else {
            csha256_init(&context)
        }
        var offset = bytes.startIndex
        while offset < bytes.endIndex {
            let end = min(offset + piece, bytes.endIndex)
            bytes[offset..<end].withUnsafeBytes {
                csha256_update(&context, $0.baseAddress, $0.count)
            }
            offset = end
        }
        var output = [UInt8](repeating: 0, count: 32)
        csha256_final(&context, &output)
        return output
    }
}
