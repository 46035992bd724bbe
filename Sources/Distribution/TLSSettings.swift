/// What a TLS connection trusts and presents: extra CA certificates (in addition to the
/// system's) and an optional client certificate and key, from a per-registry directory.
struct TLSSettings: Sendable, Hashable {
    /// PEM bytes of the system bundle followed by the registry's own CAs; nil to use
    /// libcurl's default trust store unchanged.
    var caBundle: [UInt8]?
    /// Paths of a PEM client certificate and its key.
    var clientCertificate: String?
    var clientKey: String?
}
