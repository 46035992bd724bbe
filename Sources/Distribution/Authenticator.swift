import JSON
import Synchronization

/// Answers registries' `WWW-Authenticate` challenges: Basic with the configured
/// credentials, Bearer with a token fetched from the challenge's realm. It remembers each
/// host's challenge, so later requests to other repositories authorize up front, and each
/// Authorization value per host and scope until the token expires.
///
/// Thread-safe: challenges and cached values sit behind a `Mutex`; a token fetch happens
/// outside the lock (two threads may fetch the same token once each, which is harmless).
final class Authenticator: Sendable {
    private struct CachedValue {
        var header: String
        var expires: ContinuousClock.Instant?
    }

    private struct State {
        var challenges: [String: AuthChallenge] = [:]
        var values: [String: CachedValue] = [:]
        var dockerConfig: Result<DockerConfigFile, RegistryError>?
    }

    private let options: RegistryOptions
    private let trust: TrustStore
    private let state = Mutex(State())

    init(options: RegistryOptions, trust: TrustStore) {
        self.options = options
        self.trust = trust
    }

    /// The scope a pull needs, as the token protocol spells it.
    static func pullScope(_ repository: String) -> String {
        "repository:\(repository):pull"
    }

    /// A cached Authorization value for `host` and `scope`, or one derived from a
    /// challenge this host made before; nil when the request should go out bare.
    func authorization(host: String, domain: String, repository: String,
                       session: HTTPSession) throws -> String? {
        let scope = Self.pullScope(repository)
        let now = ContinuousClock.now
        let (cached, challenge) = state.withLock { state in
            (state.values[host + " " + scope], state.challenges[host])
        }
        if let cached, cached.expires.map({ $0 > now }) ?? true {
            return cached.header
        }
        guard let challenge else { return nil }
        return try answer(challenge, host: host, domain: domain, repository: repository,
                          session: session)
    }

    /// Answers the challenge in a 401 `response` and returns the Authorization value to
    /// send on the next try.
    func respond(to response: HTTPResponse, host: String, domain: String,
                 repository: String, session: HTTPSession) throws -> String {
        let challenges = AuthChallenge.parse(response.headers["www-authenticate"] ?? [])
        guard let challenge = challenges.first(where: { $0.scheme == .bearer })
            ?? challenges.first(where: { $0.scheme == .basic })
        else {
            throw RegistryError.unauthorized(
                registry: domain, repository: repository,
                detail: "no Basic or Bearer challenge in its 401 answer")
        }
        // Remembered without its scope: a later request for another repository of this
        // host asks for a token of its own scope.
        var remembered = challenge
        remembered.parameters["scope"] = nil
        state.withLock { $0.challenges[host] = remembered }
        return try answer(challenge, host: host, domain: domain, repository: repository,
                          session: session)
    }

    /// Forgets what was cached for `host`, after the registry refused it.
    func forget(host: String) {
        state.withLock { state in
            state.values = state.values.filter { !$0.key.hasPrefix(host + " ") }
        }
    }

    private func answer(_ challenge: AuthChallenge, host: String, domain: String,
                        repository: String, session: HTTPSession) throws -> String {
        let scope = Self.pullScope(repository)
        let credentials = try credentials(for: domain)
        let value: CachedValue
        switch challenge.scheme {
        case .basic:
            guard let credentials else {
                throw RegistryError.unauthorized(
                    registry: domain, repository: repository,
                    detail: "the registry asks for credentials and none were given")
            }
            value = CachedValue(header: Self.basic(credentials), expires: nil)
        case .bearer:
            value = try fetchToken(challenge, scope: scope, credentials: credentials,
                                   domain: domain, repository: repository, session: session)
        case .other(let name):
            throw RegistryError.unauthorized(
                registry: domain, repository: repository,
                detail: "unsupported authentication scheme \"\(name)\"")
        }
        state.withLock { $0.values[host + " " + scope] = value }
        return value.header
    }

    private func credentials(for domain: String) throws -> RegistryCredentials? {
        if let given = options.credentials {
            return given
        }
        let loaded = state.withLock { state in
            if state.dockerConfig == nil {
                state.dockerConfig = Self.loadDockerConfig(options.dockerConfigPath)
            }
            return state.dockerConfig!
        }
        return try loaded.get().credentials(for: domain)
    }

    private static func loadDockerConfig(_ path: String?) -> Result<DockerConfigFile,
        RegistryError>
    {
        guard let path = path ?? DockerConfigFile.defaultPath else {
            return .success(DockerConfigFile.empty)
        }
        do {
            return .success(try DockerConfigFile(path: path))
        } catch let error as RegistryError {
            return .failure(error)
        } catch {
            return .failure(.invalidCredentialsFile(path: path, reason: "\(error)"))
        }
    }

    private func fetchToken(_ challenge: AuthChallenge, scope: String,
                            credentials: RegistryCredentials?, domain: String,
                            repository: String, session: HTTPSession) throws -> CachedValue {
        guard let realm = challenge.realm, let realmURL = URLParts(realm) else {
            throw RegistryError.unauthorized(registry: domain, repository: repository,
                                             detail: "Bearer challenge without a usable realm")
        }
        var query: [String] = []
        if let service = challenge.service {
            query.append("service=" + Self.percentEncoded(service))
        }
        query.append("scope=" + Self.percentEncoded(challenge.scope ?? scope))
        let separator = realm.contains("?") ? "&" : "?"
        var request = HTTPRequest(.get, realm + separator + query.joined(separator: "&"))
        request.tls = try trust.settings(for: realmURL.host)
        if let credentials {
            request.headers.append(("Authorization", Self.basic(credentials)))
        }

        let response: HTTPResponse
        do {
            response = try session.perform(request)
        } catch let error as TransportError {
            throw RegistryError.transport(registry: domain, url: realm, message: error.message,
                                          transient: error.isTransient)
        }
        switch response.status {
        case 200:
            break
        case 401, 403:
            throw RegistryError.unauthorized(
                registry: domain, repository: repository,
                detail: "token service \(realm) refused the credentials")
        default:
            throw RegistryError.status(registry: domain, url: realm, status: response.status,
                                       message: ErrorDocument.message(in: response.body),
                                       retryAfterSeconds: nil)
        }

        struct TokenReply: Decodable {
            var token: String?
            var access_token: String?
            var expires_in: Int?
        }
        guard let reply = try? JSONValueDecoder().decode(TokenReply.self,
                                                         fromText: response.body),
            let token = reply.token ?? reply.access_token, !token.isEmpty
        else {
            throw RegistryError.unauthorized(registry: domain, repository: repository,
                                             detail: "token service \(realm) sent no token")
        }
        // A token lives 60 seconds unless the service says otherwise; it is renewed a
        // little early so it does not lapse between the check and its use.
        let lifetime = max(reply.expires_in ?? 60, 10)
        let expires = ContinuousClock.now + .seconds(lifetime - lifetime / 6)
        return CachedValue(header: "Bearer " + token, expires: expires)
    }

    static func basic(_ credentials: RegistryCredentials) -> String {
        let pair = Array("\(credentials.user):\(credentials.password)".utf8)
        return "Basic " + Base64.encode(pair)
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters.
    static func percentEncoded(_ text: String) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), digits[Int(byte >> 4)], digits[Int(byte & 15)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
