#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

exit(Ctrs.main(Array(CommandLine.arguments.dropFirst())))
