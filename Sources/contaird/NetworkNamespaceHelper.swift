#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ContainerService
import SystemKit

/// `contaird netns-create PATH`: makes a network namespace with loopback up, pinned at
/// PATH. Run by the daemon itself (see `NetworkNamespace`), not by users.
enum NetworkNamespaceHelper {
    static let command = "netns-create"

    static func run(_ arguments: [String]) -> Int32 {
        guard arguments.count == 1 else {
            writeError("usage: contaird \(command) PATH")
            return 2
        }
        do {
            try NetworkNamespace.create(at: arguments[0])
            return 0
        } catch {
            writeError("cannot create network namespace: \(error)")
            return 1
        }
    }

    static func writeError(_ message: String) {
        try? FileDescriptor.standardError.writeAll("contaird: \(message)\n")
    }
}
