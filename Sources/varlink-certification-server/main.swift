#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemKit
import Varlink

// varlink-certification-server: serves org.varlink.certification on a Unix socket
// until SIGTERM or SIGINT, so that reference clients can certify our varlink layer.
//
//   varlink-certification-server --varlink=unix:PATH
//   varlink-certification-server PATH

func socketPath(from arguments: [String]) -> String? {
    for argument in arguments {
        if argument.hasPrefix("--varlink=unix:") {
            return String(argument.dropFirst("--varlink=unix:".count))
        }
        if !argument.hasPrefix("-") {
            return argument
        }
    }
    return nil
}

guard let path = socketPath(from: Array(CommandLine.arguments.dropFirst())) else {
    try? FileDescriptor.standardError.writeAll(
        "usage: varlink-certification-server --varlink=unix:PATH\n")
    exit(2)
}

// The signals are blocked before any thread starts, so that every thread inherits the
// mask and only sigwait below sees them.
var signals = sigset_t()
sigemptyset(&signals)
sigaddset(&signals, SIGTERM)
sigaddset(&signals, SIGINT)
pthread_sigmask(SIG_BLOCK, &signals, nil)

let server = VarlinkServer(identity: VarlinkServer.Identity(
    vendor: "contaird", product: "varlink-certification-server", version: "1",
    url: "https://varlink.org"))
do {
    server.register(try CertificationService().makeService())
    try server.listen(at: path, mode: 0o600)
} catch {
    try? FileDescriptor.standardError.writeAll(
        "varlink-certification-server: cannot serve at \(path): \(error)\n")
    exit(1)
}

var received: Int32 = 0
sigwait(&signals, &received)
server.stop(gracePeriod: .seconds(2))
exit(0)
