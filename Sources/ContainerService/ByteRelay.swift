#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemKit

/// Copies bytes both ways between a client and a process's stream until the process's
/// side ends, on the calling thread (a poll loop over the two descriptors).
///
/// - process → client: everything, until the process side reaches end of file; then
///   the relay ends.
/// - client → process: everything, until the client shuts down its writing side; that
///   end of file is passed on (`shutdown(SHUT_WR)`), which closes the process's stdin.
/// - A client that hangs up detaches: the relay ends and the process goes on.
public enum ByteRelay {
    /// Which side ended the relay.
    public enum Ending: Sendable, Equatable {
        /// The process's output ended (it exited, or closed its stdout and stderr).
        case processEnded
        /// The client hung up, or its connection failed, while the process went on.
        case clientLeft
    }

    @discardableResult
    public static func run(client: FileDescriptor, pending: [UInt8], process: FileDescriptor)
        -> Ending
    {
        if !pending.isEmpty {
            try? process.writeAll(pending)
        }
        var clientOpen = true
        var buffer = [UInt8](repeating: 0, count: 32 * 1024)
        while true {
            var entries = [
                pollfd(fd: process.rawValue, events: Int16(POLLIN), revents: 0),
                // After the client's end of input, only its hang-up is of interest.
                pollfd(fd: client.rawValue, events: clientOpen ? Int16(POLLIN) : 0, revents: 0),
            ]
            let ready = poll(&entries, 2, -1)
            if ready < 0 {
                if currentErrno() == EINTR { continue }
                return .clientLeft
            }
            if entries[0].revents != 0 {
                let count = buffer.withUnsafeMutableBytes {
                    read(process.rawValue, $0.baseAddress, $0.count)
                }
                if count <= 0 {
                    if count < 0 && currentErrno() == EINTR { continue }
                    _ = shutdown(client.rawValue, Int32(SHUT_WR))
                    return .processEnded
                }
                do {
                    try client.writeAll(buffer[0..<count])
                } catch {
                    return .clientLeft
                }
            }
            if !clientOpen && entries[1].revents & Int16(POLLHUP | POLLERR) != 0 {
                return .clientLeft
            }
            if clientOpen && entries[1].revents != 0 {
                let count = buffer.withUnsafeMutableBytes {
                    read(client.rawValue, $0.baseAddress, $0.count)
                }
                if count < 0 && currentErrno() == EINTR { continue }
                if count < 0 {
                    return .clientLeft
                }
                if count == 0 {
                    clientOpen = false
                    _ = shutdown(process.rawValue, Int32(SHUT_WR))
                    continue
                }
                try? process.writeAll(buffer[0..<count])
            }
        }
    }
}
