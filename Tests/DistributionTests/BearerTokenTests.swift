import Distribution
import ImageSpec
import SystemKit
import Testing

/// Pulls through the test's own registry, which demands Bearer tokens from its realm.
@Suite struct BearerTokenTests {
    @Test func fetchesATokenFromTheRealmAndReusesIt() throws {
        var behaviour = FakeRegistry.Behaviour()
        behaviour.bearer = true
        behaviour.tokenUser = "robot"
        behaviour.tokenPassword = "hunter2"
        let registry = try FakeRegistry(behaviour)
        defer { registry.stop() }
        let layout = try SharedLayout()
        defer { layout.remove() }
        let storeDirectory = try TestEnvironment.temporaryDirectory("store")
        defer { try? FileSystem.removeTree(storeDirectory) }
        let store = try DirectoryStore(root: storeDirectory)
        let reference = try ImageReference(parsing: "\(registry.domain)/library/alpine:3.20.3")

        let client = RegistryClient(options: RegistryOptions(
            plainHTTP: true, credentials: RegistryCredentials(user: "robot", password: "hunter2")))
        let result = try client.pull(reference, allPlatforms: true, store: store)
        #expect(result.root.digest == layout.indexDigest)
        #expect(result.fetched.count == 4)
        for digest in result.fetched.map(\.digest) {
            #expect(try store.read(digest) == layout.blob(digest))
        }

        // One bare request met the challenge, one token was fetched for the scope, and
        // every later request carried it.
        let requests = registry.requests()
        let tokenRequests = requests.filter { $0.contains("/token?") }
        #expect(tokenRequests.count == 1)
        #expect(tokenRequests.first?.contains("scope=repository%3Alibrary%2Falpine%3Apull")
            == true)
        #expect(tokenRequests.first?.hasSuffix(" Basic") == true)
        let registryRequests = requests.filter { $0.contains(" /v2/") }
        #expect(registryRequests.filter { $0.hasSuffix(" -") }.count == 1)
        #expect(registryRequests.dropFirst(1).allSatisfy { $0.hasSuffix(" Bearer") })

        // Pulling again asks only for the tag's digest: no manifest or blob bodies.
        let before = registry.requests().count
        let again = try client.pull(reference, allPlatforms: true, store: store)
        let newRequests = registry.requests().dropFirst(before)
        #expect(again.fetched.isEmpty && again.bytesDownloaded == 0)
        #expect(newRequests.map { $0.split(separator: " ")[0] } == ["HEAD"])

        // Another repository of the same registry gets a token for its own scope, asked
        // for up front (the host's challenge is remembered): no bare request this time.
        let (_, amd64) = try layout.manifest(architecture: "amd64")
        _ = try registry.addManifest(amd64, repository: "team/tools", tag: "1")
        let other = try ImageReference(parsing: "\(registry.domain)/team/tools:1")
        let beforeOther = registry.requests().count
        let (descriptor, _) = try client.resolve(other)
        #expect(descriptor.mediaType == MediaType.ociManifest)
        let otherRequests = Array(registry.requests().dropFirst(beforeOther))
        #expect(otherRequests.count == 2)
        #expect(otherRequests.first?.contains("scope=repository%3Ateam%2Ftools%3Apull") == true)
        #expect(otherRequests.last?.hasSuffix(" Bearer") == true)
    }

    @Test func aRefusedTokenRequestIsUnauthorized() throws {
        var behaviour = FakeRegistry.Behaviour()
        behaviour.bearer = true
        behaviour.tokenUser = "robot"
        behaviour.tokenPassword = "hunter2"
        let registry = try FakeRegistry(behaviour)
        defer { registry.stop() }
        let reference = try ImageReference(parsing: "\(registry.domain)/library/alpine:3.20.3")

        let client = RegistryClient(options: RegistryOptions(
            plainHTTP: true, credentials: RegistryCredentials(user: "robot", password: "nope")))
        #expect {
            try client.resolve(reference)
        } throws: { error in
            let text = "\(error)"
            return text.contains("registry \"\(registry.domain)\"")
                && text.contains("unauthorized") && text.contains("/token")
        }
    }
}
