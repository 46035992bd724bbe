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
