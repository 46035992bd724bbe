import Synchronization
import SystemKit

/// The TLS settings for each registry host: the system's CAs plus the host's own from
/// `<certsDirectory>/<host:port>/`, read once per host.
///
/// Thread-safe: the per-host cache sits behind a `Mutex`.
final class TrustStore: Sendable {
    let certsDirectory: String?
    private let cache = Mutex<[String: TLSSettings]>([:])

    init(certsDirectory: String?) {
        self.certsDirectory = certsDirectory
    }

    /// The settings for `host` (`name` or `name:port`, as in the URL).
    func settings(for host: String) throws -> TLSSettings {
        if let cached = cache.withLock({ $0[host] }) {
            return cached
        }
        let settings = try load(host)
        cache.withLock { $0[host] = settings }
        return settings
    }

    private func load(_ host: String) throws -> TLSSettings {
        guard let certsDirectory else { return TLSSettings() }
        let directory = certsDirectory + "/" + host
        guard FileSystem.isDirectory(directory) else { return TLSSettings() }

        var settings = TLSSettings()
        let names = try FileSystem.listDirectory(directory).sorted()
        var authorities: [UInt8] = []
        for name in names where name.hasSuffix(".crt") {
            authorities += try FileSystem.read(directory + "/" + name)
            authorities.append(UInt8(ascii: "\n"))
        }
        if !authorities.isEmpty {
            // Giving libcurl a bundle replaces its default one, so the system's CAs go
            // first and the registry's own are added after them.
            var bundle: [UInt8] = []
            if let system = HTTPSession.systemCABundlePath, FileSystem.exists(system) {
                bundle = try FileSystem.read(system)
                bundle.append(UInt8(ascii: "\n"))
            }
            settings.caBundle = bundle + authorities
        }
        for name in names where name.hasSuffix(".cert") {
            let key = String(name.dropLast(".cert".count)) + ".key"
            if names.contains(key) {
                settings.clientCertificate = directory + "/" + name
                settings.clientKey = directory + "/" + key
                break
            }
        }
        return settings
    }
}
