/// How a `RegistryClient` reaches registries.
public struct RegistryOptions: Sendable {
    /// Speak plain HTTP instead of HTTPS (meant for registries on loopback).
    public var plainHTTP: Bool
    /// Credentials for every registry this client talks to (`--user`); when nil, the
    /// Docker config file is consulted per registry.
    public var credentials: RegistryCredentials?
    /// A Docker-style `config.json`; nil means `$DOCKER_CONFIG/config.json`, else
    /// `~/.docker/config.json`. A missing file means no stored credentials.
    public var dockerConfigPath: String?
    /// A directory of per-registry trust, `<dir>/<host:port>/ca.crt` (any `*.crt` is a CA;
    /// `*.cert` with a matching `*.key` is a client certificate), like Docker's
    /// /etc/docker/certs.d. Nil: only the system's CAs are trusted.
    public var certsDirectory: String?
    /// How many times a request that failed transiently (connection reset, timeout,
    /// 5xx, 429) is tried again.
    public var retries: Int
    /// The first wait before a retry, doubled on each further retry (capped at 10 s);
    /// a 429 or 503 with `Retry-After` waits as asked (capped at 30 s).
    public var retryBaseDelayMilliseconds: Int
    /// Seconds allowed to connect, and the longest a transfer may go without receiving
    /// a byte.
    public var timeoutSeconds: Int
    public var userAgent: String

    /// The conventional place for per-registry certificates on a contaird host.
    public static let defaultCertsDirectory = "/etc/contaird/certs.d"

    public init(
        plainHTTP: Bool = false,
        credentials: RegistryCredentials? = nil,
        dockerConfigPath: String? = nil,
        certsDirectory: String? = nil,
        retries: Int = 3,
        retryBaseDelayMilliseconds: Int = 250,
        timeoutSeconds: Int = 30,
        userAgent: String = "contaird/0.1"
    ) {
        self.plainHTTP = plainHTTP
        self.credentials = credentials
        self.dockerConfigPath = dockerConfigPath
        self.certsDirectory = certsDirectory
        self.retries = retries
        self.retryBaseDelayMilliseconds = retryBaseDelayMilliseconds
        self.timeoutSeconds = timeoutSeconds
        self.userAgent = userAgent
    }
}

/// A user name and password for a registry.
public struct RegistryCredentials: Sendable, Hashable {
    public var user: String
    public var password: String

    public init(user: String, password: String) {
        self.user = user
        self.password = password
    }

    /// Parses `user[:password]` as given to `--user`; the password may contain colons.
    public init?(parsing text: String) {
        guard let colon = text.firstIndex(of: ":") else {
            guard !text.isEmpty else { return nil }
            self.init(user: text, password: "")
            return
        }
        let user = String(text[..<colon])
        guard !user.isEmpty else { return nil }
        self.init(user: user, password: String(text[text.index(after: colon)...]))
    }
}
