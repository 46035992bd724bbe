import Synchronization
import SystemKit

/// Debian's docker-registry on a private port, started by the shared script with Alpine
/// pushed into it. Plain HTTP, or with `auth` TLS plus basic auth (tester / s3cret).
final class LocalRegistry: Sendable {
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

    /// A new certs.d directory that trusts this registry's CA.
    func makeCertsDirectory() throws -> String {
        let certs = try TestEnvironment.temporaryDirectory("certs.d", under: directory)
        try FileSystem.createDirectory(certs + "/" + domain)
        try FileSystem.writeAtomically(certs + "/" + domain + "/ca.crt",
                                       try FileSystem.read(caPath))
        return certs
    }

    /// Tests only read from these registries, so the tests running at the same time share
    /// one of each kind: `acquire` starts it for the first, `release` stops it after the
    /// last.
    private static let leases = Mutex<[Bool: (registry: LocalRegistry, users: Int)]>([:])

    static func acquire(auth: Bool = false) throws -> LocalRegistry {
        try leases.withLock { leases in
            if let lease = leases[auth] {
                leases[auth] = (lease.registry, lease.users + 1)
                return lease.registry
            }
            let registry = try LocalRegistry(auth: auth)
            leases[auth] = (registry, 1)
            return registry
        }
    }

    func release() {
        let last = Self.leases.withLock { leases in
            guard let lease = leases[auth], lease.registry === self else { return true }
            if lease.users > 1 {
                leases[auth] = (self, lease.users - 1)
                return false
            }
            leases[auth] = nil
            return true
        }
        if last {
            stop()
        }
    }

    func stop() {
        _ = try? TestEnvironment.run(["sh", TestEnvironment.registryScript, "stop", directory],
                                     in: directory)
        try? FileSystem.removeTree(directory)
    }
}
