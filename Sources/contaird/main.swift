#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// contaird: the container daemon. See `contaird --help` and docs/ARCHITECTURE.md.
exit(DaemonCommand.run(Array(CommandLine.arguments.dropFirst())))
