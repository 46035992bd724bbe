import SystemKit

/// Debian's docker-registry on a private port, started by the shared script with Alpine
/// pushed into it. Plain HTTP, or with `auth` TLS plus basic auth (tester / s3cret).
final class LocalRegistry {
    let directory: String
    let port: Int
    let auth: Bool

    var domain: String { "127.0.0.1:\(port)" }
    var caPath: String { directory + "/certs/ca.crt" }

    init(auth: Bool = false) throws {
        try TestEnvironment.requireShared()
        directory = try TestEnvironment.temporaryDirectory(auth ? "tls-registry" : "registry")
        port = try TestEnvironment.freePort()
        self.auth = auth
        var arguments = ["sh", TestEnvironment.registryScript, "start", directory, "\(port)"]
        if auth { arguments.append("--auth") }
        do {
            try TestEnvironment.run(arguments, in: directory)
        } catch {
            stop()
            throw error
        }
    }

    /// A certs.d directory that trusts this registry's CA.
    func makeCertsDirectory() throws -> String {
        let certs = directory + "/certs.d"
        try FileSystem.createDirectory(certs + "/" + domain)
        try FileSystem.writeAtomically(certs + "/" + domain + "/ca.crt",
                                       try FileSystem.read(caPath))
        return certs
    }

    func stop() {
        _ = try? TestEnvironment.run(["sh", TestEnvironment.registryScript, "stop", directory],
                                     in: directory)
        try? FileSystem.removeTree(directory)
    }
}
