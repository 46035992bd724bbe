import Testing
@testable import ImageSpec

@Suite struct ImageSpecTests {
    @Test func sha256OfKnownInput() {
        let digest = Digest.sha256(of: Array("abc".utf8))
        #expect(digest.description
            == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func digestParsingRejectsMalformedText() {
        #expect(Digest("sha256:abc") == nil)
        #expect(Digest("md5:" + String(repeating: "a", count: 32)) == nil)
        #expect(Digest("sha256:" + String(repeating: "A", count: 64)) == nil)
        #expect(Digest("sha256:" + String(repeating: "a", count: 64)) != nil)
    }

    @Test func platformNormalizationFollowsContainerd() {
        #expect(Platform(parsing: "linux/arm64")?.description == "linux/arm64/v8")
        #expect(Platform(parsing: "linux/x86_64")?.description == "linux/amd64")
        #expect(Platform(parsing: "linux") == nil)
        let arm = Platform(os: "linux", architecture: "arm64", variant: "v8")
        #expect(Platform(parsing: "linux/aarch64")!.matches(arm))
        #expect(!Platform(parsing: "linux/amd64")!.matches(arm))
    }
}

@Suite struct MediaTypeTests {
    @Test func layerCompressionByMediaType() {
        #expect(MediaType.layerCompression(MediaType.ociLayer) == .uncompressed)
        #expect(MediaType.layerCompression(MediaType.dockerLayerGzip) == .gzip)
        #expect(MediaType.layerCompression(MediaType.ociLayerZstd) == .zstd)
        #expect(MediaType.layerCompression(MediaType.ociConfig) == nil)
    }
}
