import Distribution
import FoundationEssentials
import ImageSpec
import SystemKit
import Testing

/// Pulls from Debian's docker-registry serving TLS with a self-signed CA and demanding
/// basic auth (tester / s3cret).
@Suite struct AuthenticatedRegistryTests {
    @Test func pullsOverTLSWithTheRegistryCAAndBasicAuth() throws {
        let registry = try LocalRegistry.acquire(auth: true)
        defer { registry.release() }
        let storeDirectory = try TestEnvironment.temporaryDirectory("store")
        defer { try? FileSystem.removeTree(storeDirectory) }
        let store = try DirectoryStore(root: storeDirectory)
        let reference = try ImageReference(parsing: "\(registry.domain)/library/alpine:3.20.3")
        let certs = try registry.makeCertsDirectory()

        // With the CA in certs.d and --user credentials.
        let client = RegistryClient(options: RegistryOptions(
            credentials: RegistryCredentials(parsing: "tester:s3cret"),
            dockerConfigPath: storeDirectory + "/no-config.json", certsDirectory: certs))
        let result = try client.pull(reference, platform: Platform(parsing: "linux/amd64"),
                                     store: store)
        #expect(result.fetched.count == 2)
        #expect(try store.ingestLeftovers().isEmpty)

        // Without the CA: the certificate is not trusted, and the error says so.
        let untrusting = RegistryClient(options: RegistryOptions(
            credentials: RegistryCredentials(parsing: "tester:s3cret"),
            dockerConfigPath: storeDirectory + "/no-config.json", retries: 0))
        #expect {
            try untrusting.resolve(reference)
        } throws: { error in
            guard let error = error as? RegistryError,
                case .untrustedCertificate(let name, _) = error
            else { return false }
            return name == registry.domain && error.description.contains("not trusted")
                && error.description.contains("self-signed certificate")
        }

        // A wrong password: unauthorized, naming the registry.
        let wrong = RegistryClient(options: RegistryOptions(
            credentials: RegistryCredentials(user: "tester", password: "wrong"),
            certsDirectory: certs))
        #expect {
            try wrong.resolve(reference)
        } throws: { error in
            let text = "\(error)"
            return text.contains("registry \"\(registry.domain)\"")
                && text.contains("unauthorized")
        }

        // No credentials at all (and no config file): unauthorized too.
        let anonymous = RegistryClient(options: RegistryOptions(
            dockerConfigPath: storeDirectory + "/no-config.json", certsDirectory: certs))
        #expect {
            try anonymous.resolve(reference)
        } throws: { error in
            "\(error)".contains("unauthorized") && "\(error)".contains(registry.domain)
        }
    }

    @Test func readsCredentialsFromADockerConfigFile() throws {
        let registry = try LocalRegistry.acquire(auth: true)
        defer { registry.release() }
        let certs = try registry.makeCertsDirectory()
        let reference = try ImageReference(
            parsing: "\(registry.domain)/library/alpine-docker-v2:3.20.3")
        let configs = try TestEnvironment.temporaryDirectory("docker-config")
        defer { try? FileSystem.removeTree(configs) }

        // The `auth` form: base64 of user:password, keyed by host:port.
        let authForm = configs + "/auth-config.json"
        let encoded = Data(Array("tester:s3cret".utf8)).base64EncodedString()
        try FileSystem.writeAtomically(
            authForm, text: #"{"auths": {"\#(registry.domain)": {"auth": "\#(encoded)"}}}"#)
        let viaAuth = RegistryClient(options: RegistryOptions(
            dockerConfigPath: authForm, certsDirectory: certs))
        let (descriptor, _) = try viaAuth.resolve(reference)
        #expect(descriptor.mediaType == MediaType.dockerManifest)

        // The username/password form, keyed by a URL.
        let plainForm = configs + "/plain-config.json"
        try FileSystem.writeAtomically(plainForm, text: #"""
            {"auths": {"https://\#(registry.domain)/v2/":
                {"username": "tester", "password": "s3cret"}}}
            """#)
        let viaFields = RegistryClient(options: RegistryOptions(
            dockerConfigPath: plainForm, certsDirectory: certs))
        #expect(try viaFields.resolve(reference).0 == descriptor)

        // A stored password that is wrong is refused like a given one.
        let wrongForm = configs + "/wrong-config.json"
        let wrong = Data(Array("tester:nope".utf8)).base64EncodedString()
        try FileSystem.writeAtomically(
            wrongForm, text: #"{"auths": {"\#(registry.domain)": {"auth": "\#(wrong)"}}}"#)
        let viaWrong = RegistryClient(options: RegistryOptions(
            dockerConfigPath: wrongForm, certsDirectory: certs))
        #expect {
            try viaWrong.resolve(reference)
        } throws: { error in
            "\(error)".contains("unauthorized")
        }

        // A broken file is reported by path.
        let broken = configs + "/broken-config.json"
        try FileSystem.writeAtomically(broken, text: "{\"auths\": ")
        let viaBroken = RegistryClient(options: RegistryOptions(
            dockerConfigPath: broken, certsDirectory: certs))
        #expect {
            try viaBroken.resolve(reference)
        } throws: { error in
            "\(error)".contains(broken)
        }
    }
}
