#if canImport(Glibc)
import Glibc
#endif
import RuntimeKit
import SystemKit

// The container's init is this binary re-executed; it must not touch anything else.
if CommandLine.arguments.count == 2 && CommandLine.arguments[1] == "init" {
    exit(ContainerInit.main())
}

let status = RuncsCommand.main(Array(CommandLine.arguments.dropFirst()))
exit(status)
