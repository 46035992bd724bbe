#if canImport(Glibc)
import Glibc
#endif
import ImageSpec
import SystemKit

/// A client of the OCI distribution API (the Docker Registry HTTP API V2) for pulling:
/// manifests and blobs over libcurl, with Basic and Bearer authentication, per-registry
/// CAs, retries with backoff and resumed blob downloads.
///
/// Thread-safe: the client holds only immutable options and thread-safe caches (TLS
/// settings, authorization). Each operation opens its own libcurl session; a pull runs
/// its parallel downloads on POSIX threads, one session each.
public final class RegistryClient: Sendable {
    public let options: RegistryOptions
    let trust: TrustStore
    let authenticator: Authenticator
    let logger: Logger

    public init(options: RegistryOptions, logger: Logger = .shared) {
        self.options = options
        self.logger = logger
        trust = TrustStore(certsDirectory: options.certsDirectory)
        authenticator = Authenticator(options: options, trust: trust)
    }

    func makeSession() throws(TransportError) -> HTTPSession {
        try HTTPSession(timeoutSeconds: max(options.timeoutSeconds, 1),
                        userAgent: options.userAgent)
    }

    /// `<scheme>://<registry host>/v2/<repository>/<tail>`.
    func url(_ reference: ImageReference, _ tail: String) -> String {
        let scheme = options.plainHTTP ? "http" : "https"
        return "\(scheme)://\(reference.registryHost)/v2/\(reference.path)/\(tail)"
    }

    /// Sends `request` for `reference`'s repository, with the Authorization its registry
    /// wants: a cached value when there is one, else a bare try whose 401 challenge is
    /// answered once. Statuses other than 401 and 403 are left to the caller.
    func send(_ request: HTTPRequest, for reference: ImageReference, session: HTTPSession,
              consumer: HTTPSession.BodyConsumer? = nil) throws -> HTTPResponse {
        guard let host = URLParts(request.url)?.host else {
            preconditionFailure("registry URL without a host: \(request.url)")
        }
        var request = request
        if !options.plainHTTP {
            request.tls = try trust.settings(for: host)
        }
        let domain = reference.domain
        let repository = reference.path
        var authorization = try authenticator.authorization(
            host: host, domain: domain, repository: repository, session: session)
        var answeredChallenge = false
        while true {
            var attempt = request
            if let authorization {
                attempt.headers.append(("Authorization", authorization))
            }
            let response = try perform(attempt, registry: domain, session: session,
                                       consumer: consumer)
            switch response.status {
            case 401 where !answeredChallenge:
                answeredChallenge = true
                authorization = try authenticator.respond(
                    to: response, host: host, domain: domain, repository: repository,
                    session: session)
            case 401, 403:
                authenticator.forget(host: host)
                let detail = ErrorDocument.message(in: response.body)
                throw RegistryError.unauthorized(
                    registry: domain, repository: repository,
                    detail: detail.isEmpty ? "status \(response.status)" : detail)
            default:
                return response
            }
        }
    }

    /// One exchange, with libcurl's failures turned into registry errors.
    private func perform(_ request: HTTPRequest, registry: String, session: HTTPSession,
                         consumer: HTTPSession.BodyConsumer?) throws -> HTTPResponse {
        do {
            return try session.perform(request, consumer: consumer)
        } catch let error as TransportError {
            if error.isCertificateProblem {
                throw RegistryError.untrustedCertificate(registry: registry,
                                                         message: error.message)
            }
            throw RegistryError.transport(registry: registry, url: error.url,
                                          message: error.message, transient: error.isTransient)
        }
    }

    /// The error for a response that is not a success: not found, or the status with the
    /// registry's own message and any `Retry-After`.
    func failure(_ response: HTTPResponse, url: String, registry: String,
                 notFound: RegistryError) -> RegistryError {
        if response.status == 404 {
            return notFound
        }
        let retryAfter = response.header("retry-after").flatMap { Int($0.trimmingSpaces) }
        return .status(registry: registry, url: url, status: response.status,
                       message: ErrorDocument.message(in: response.body),
                       retryAfterSeconds: retryAfter)
    }

    /// Runs `operation`, trying again after transient failures (up to `options.retries`
    /// more times) with exponential backoff, or as long as a `Retry-After` asks. When
    /// `progressed` says the failed try moved forward (a resumed download), the count of
    /// tries starts over.
    func retrying<Result>(_ what: String, progressed: () -> Bool = { false },
                          _ operation: () throws -> Result) throws -> Result {
        var attempt = 0
        while true {
            do {
                return try operation()
            } catch let error as RegistryError where error.isTransient {
                attempt = progressed() ? 1 : attempt + 1
                guard attempt <= options.retries else { throw error }
                let delay = backoff(attempt: attempt, error: error)
                logger.info("retrying registry request",
                            ["what": what, "attempt": attempt, "delay_ms": delay,
                             "error": error.description])
                usleep(UInt32(delay) * 1000)
            }
        }
    }

    /// Milliseconds to wait before retry `attempt` (1-based).
    private func backoff(attempt: Int, error: RegistryError) -> Int {
        if case .status(_, _, _, _, let retryAfter?) = error {
            return min(max(retryAfter, 0), 30) * 1000
        }
        let base = max(options.retryBaseDelayMilliseconds, 1)
        let exponential = min(base << min(attempt - 1, 16), 10_000)
        return exponential + Int.random(in: 0...(exponential / 4))
    }
}
