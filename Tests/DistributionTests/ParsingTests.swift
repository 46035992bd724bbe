@testable import Distribution
import FoundationEssentials
import ImageSpec
import SystemKit
import Testing

@Suite struct AuthChallengeTests {
    @Test func parsesABearerChallengeWithQuotedParameters() {
        let challenges = AuthChallenge.parse([
            #"Bearer realm="https://auth.docker.io/token",service="registry.docker.io","#
                + #"scope="repository:library/alpine:pull""#,
        ])
        #expect(challenges.count == 1)
        #expect(challenges.first?.scheme == .bearer)
        #expect(challenges.first?.realm == "https://auth.docker.io/token")
        #expect(challenges.first?.service == "registry.docker.io")
        #expect(challenges.first?.scope == "repository:library/alpine:pull")
    }

    @Test func parsesSeveralChallengesAndEscapes() {
        let challenges = AuthChallenge.parse([
            #"Basic realm="a \"quoted\" realm", charset=UTF-8, Bearer realm=tok"#,
        ])
        #expect(challenges.map(\.scheme) == [.basic, .bearer])
        #expect(challenges.first?.realm == #"a "quoted" realm"#)
        #expect(challenges.first?.parameters["charset"] == "UTF-8")
        #expect(challenges.last?.realm == "tok")
    }

    @Test func keepsUnknownSchemes() {
        let challenges = AuthChallenge.parse(["Negotiate", "basic realm=\"r\""])
        #expect(challenges.map(\.scheme) == [.other("Negotiate"), .basic])
    }
}

@Suite struct PlatformSelectorTests {
    static func entry(_ platform: String, _ tag: String) -> Descriptor {
        let parts = platform.split(separator: "/").map(String.init)
        return Descriptor(mediaType: MediaType.ociManifest,
                          digest: Digest.sha256(of: Array(tag.utf8)), size: 1,
                          platform: Platform(os: parts[0], architecture: parts[1],
                                             variant: parts.count > 2 ? parts[2] : nil))
    }

    @Test func prefersTheExactVariant() throws {
        let index = [Self.entry("linux/arm/v6", "v6"), Self.entry("linux/arm/v7", "v7"),
                     Self.entry("linux/arm64/v8", "v8"), Self.entry("linux/amd64", "x86")]
        let arm7 = try #require(Platform(parsing: "linux/arm/v7"))
        #expect(PlatformSelector.best(index, for: arm7) == index[1])
        let arm64 = try #require(Platform(parsing: "linux/aarch64"))
        #expect(PlatformSelector.best(index, for: arm64) == index[2])
        let amd64 = try #require(Platform(parsing: "linux/x86_64"))
        #expect(PlatformSelector.best(index, for: amd64) == index[3])
    }

    @Test func armFallsBackToOlderVariantsOnly() throws {
        let index = [Self.entry("linux/arm/v5", "v5"), Self.entry("linux/arm/v6", "v6")]
        let arm7 = try #require(Platform(parsing: "linux/arm/v7"))
        #expect(PlatformSelector.best(index, for: arm7) == index[1])
        let arm5 = try #require(Platform(parsing: "linux/arm/v5"))
        #expect(PlatformSelector.best([index[1]], for: arm5) == nil)
    }

    @Test func arm64WithoutVariantMatchesV8AndSkipsOtherSystems() throws {
        let index = [Self.entry("windows/arm64", "win"), Self.entry("linux/arm64", "bare")]
        let arm64 = try #require(Platform(parsing: "linux/arm64/v8"))
        #expect(PlatformSelector.best(index, for: arm64) == index[1])
        let unknown = [Self.entry("unknown/unknown", "attestation")]
        #expect(PlatformSelector.best(unknown, for: arm64) == nil)
    }
}

@Suite struct CredentialTests {
    @Test func parsesUserAndPassword() {
        #expect(RegistryCredentials(parsing: "alice:pa:ss")
            == RegistryCredentials(user: "alice", password: "pa:ss"))
        #expect(RegistryCredentials(parsing: "bob") == RegistryCredentials(user: "bob",
                                                                          password: ""))
        #expect(RegistryCredentials(parsing: ":secret") == nil)
        #expect(RegistryCredentials(parsing: "") == nil)
    }

    @Test func findsDockerHubUnderItsHistoricalKey() throws {
        let directory = try TestEnvironment.temporaryDirectory("docker-config")
        defer { try? FileSystem.removeTree(directory) }
        let path = directory + "/config.json"
        let encoded = Data(Array("hubuser:hubpass".utf8)).base64EncodedString()
        try FileSystem.writeAtomically(path, text: """
            {"auths": {"https://index.docker.io/v1/": {"auth": "\(encoded)"},
                       "ghcr.io": {"username": "gh", "password": "token"}},
             "credsStore": "desktop"}
            """)
        let file = try DockerConfigFile(path: path)
        #expect(file.credentials(for: "docker.io")
            == RegistryCredentials(user: "hubuser", password: "hubpass"))
        #expect(file.credentials(for: "ghcr.io") == RegistryCredentials(user: "gh",
                                                                       password: "token"))
        #expect(file.credentials(for: "quay.io") == nil)
        #expect(try DockerConfigFile(path: directory + "/absent.json")
            .credentials(for: "docker.io") == nil)
    }

    @Test func basicHeaderIsBase64OfUserColonPassword() {
        let header = Authenticator.basic(RegistryCredentials(user: "tester", password: "s3cret"))
        #expect(header == "Basic dGVzdGVyOnMzY3JldA==")
        #expect(Authenticator.percentEncoded("repository:a/b:pull")
            == "repository%3Aa%2Fb%3Apull")
    }
}

@Suite struct RegistryURLTests {
    @Test func dockerHubIsReachedAtRegistry1() throws {
        let client = RegistryClient(options: RegistryOptions())
        let hub = try ImageReference(parsing: "alpine")
        #expect(client.url(hub, "manifests/\(hub.manifestReference)")
            == "https://registry-1.docker.io/v2/library/alpine/manifests/latest")
        let local = try ImageReference(parsing: "localhost:5000/team/app:1")
        let plain = RegistryClient(options: RegistryOptions(plainHTTP: true))
        #expect(plain.url(local, "blobs/x") == "http://localhost:5000/v2/team/app/blobs/x")
    }
}
