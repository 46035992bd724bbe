#if canImport(Glibc)
import Glibc
#endif
import JSON
import SystemKit

/// Credentials stored in a Docker-style `config.json`:
/// `{"auths": {"host:port": {"auth": base64("user:pass")}}}`, or with `username` and
/// `password` fields instead of `auth`.
struct DockerConfigFile {
    private struct Document: Decodable {
        var auths: [String: Entry]?
    }

    private struct Entry: Decodable {
        var auth: String?
        var username: String?
        var password: String?
    }

    private let entries: [String: RegistryCredentials]

    /// A file with no credentials, for when there is no path to read.
    static let empty = DockerConfigFile(entries: [:])

    private init(entries: [String: RegistryCredentials]) {
        self.entries = entries
    }

    /// The path Docker reads: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
    static var defaultPath: String? {
        if let directory = getenv("DOCKER_CONFIG").map({ String(cString: $0) }),
            !directory.isEmpty
        {
            return directory + "/config.json"
        }
        guard let home = getenv("HOME").map({ String(cString: $0) }), !home.isEmpty else {
            return nil
        }
        return home + "/.docker/config.json"
    }

    /// Reads the file at `path`; a missing file holds no credentials.
    init(path: String) throws {
        guard FileSystem.exists(path) else {
            entries = [:]
            return
        }
        let bytes = try FileSystem.read(path)
        let document: Document
        do {
            document = try JSONValueDecoder().decode(Document.self, fromText: bytes)
        } catch {
            throw RegistryError.invalidCredentialsFile(path: path, reason: "not valid JSON")
        }
        var entries: [String: RegistryCredentials] = [:]
        for (key, entry) in document.auths ?? [:] {
            if let credentials = try Self.credentials(of: entry, key: key, path: path) {
                entries[Self.hostKey(key)] = credentials
            }
        }
        self.entries = entries
    }

    /// The credentials stored for the registry `domain` (as written in references, so
    /// `docker.io` also finds Docker's historical `https://index.docker.io/v1/` key).
    func credentials(for domain: String) -> RegistryCredentials? {
        if let found = entries[domain] {
            return found
        }
        if domain == "docker.io" {
            return entries["index.docker.io"] ?? entries["registry-1.docker.io"]
        }
        return nil
    }

    /// A key such as `https://index.docker.io/v1/` reduced to its host: `index.docker.io`.
    static func hostKey(_ key: String) -> String {
        var text = Substring(key)
        if let scheme = text.firstRange(of: "://") {
            text = text[scheme.upperBound...]
        }
        if let slash = text.firstIndex(of: "/") {
            text = text[..<slash]
        }
        return String(text)
    }

    private static func credentials(of entry: Entry, key: String, path: String) throws
        -> RegistryCredentials?
    {
        if let auth = entry.auth, !auth.isEmpty {
            guard let data = Base64.decode(auth),
                let text = String(validating: data, as: UTF8.self),
                text.contains(":"),
                let parsed = RegistryCredentials(parsing: text)
            else {
                throw RegistryError.invalidCredentialsFile(
                    path: path, reason: "auth of \"\(key)\" is not base64 of user:password")
            }
            return parsed
        }
        if let user = entry.username, !user.isEmpty {
            return RegistryCredentials(user: user, password: entry.password ?? "")
        }
        return nil
    }
}
