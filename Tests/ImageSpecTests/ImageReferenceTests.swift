import Testing
@testable import ImageSpec

@Suite struct ImageReferenceTests {
    @Test func bareNameGainsDomainLibraryAndLatest() throws {
        let reference = try ImageReference(parsing: "alpine")
        #expect(reference.description == "docker.io/library/alpine:latest")
        #expect(reference.familiar == "alpine:latest")
        #expect(reference.registryHost == "registry-1.docker.io")
        #expect(reference.manifestReference == "latest")
    }

    @Test func registryWithPortKeepsPathAndTag() throws {
        let reference = try ImageReference(parsing: "localhost:5000/team/app:v1.2")
        #expect(reference.domain == "localhost:5000")
        #expect(reference.path == "team/app")
        #expect(reference.tag == "v1.2")
        #expect(reference.familiar == "localhost:5000/team/app:v1.2")
    }

    @Test func digestPinnedReferenceHasNoDefaultTag() throws {
        let hex = String(repeating: "ab", count: 32)
        let reference = try ImageReference(parsing: "index.docker.io/user/app@sha256:\(hex)")
        #expect(reference.description == "docker.io/user/app@sha256:\(hex)")
        #expect(reference.tag == nil)
        #expect(reference.manifestReference == "sha256:\(hex)")
        #expect(reference.familiar == "user/app@sha256:\(hex)")
    }

    @Test func invalidReferencesAreRejectedWithTheFaultyPart() {
        #expect(throws: ImageReference.ParseError.invalidPath("Alpine")) {
            try ImageReference(parsing: "Alpine")
        }
        #expect(throws: ImageReference.ParseError.invalidTag("-bad")) {
            try ImageReference(parsing: "alpine:-bad")
        }
        #expect(throws: ImageReference.ParseError.invalidDigest("sha256:xyz")) {
            try ImageReference(parsing: "alpine@sha256:xyz")
        }
        #expect(throws: ImageReference.ParseError.empty) {
            try ImageReference(parsing: "")
        }
    }

    @Test func nonDockerHubSingleComponentHasNoLibraryPrefix() throws {
        let reference = try ImageReference(parsing: "quay.io/app")
        #expect(reference.description == "quay.io/app:latest")
        #expect(try ImageReference(parsing: "docker.io/a__b.c-d/x").path == "a__b.c-d/x")
    }
}
