#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CommandLineKit
import ContainerService
import SystemKit

// contaird: the container daemon. See `contaird --help` and docs/ARCHITECTURE.md.

let arguments = Array(CommandLine.arguments.dropFirst())

// The daemon runs itself as a short-lived, single-threaded helper to make a network
// namespace; this must happen before anything starts a thread.
if arguments.first == NetworkNamespaceHelper.command {
    exit(NetworkNamespaceHelper.run(Array(arguments.dropFirst())))
}

exit(DaemonCommand.run(arguments))
