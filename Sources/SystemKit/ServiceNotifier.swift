#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Tells a service manager about the daemon's state through `NOTIFY_SOCKET`
/// (sd_notify's datagram protocol: `READY=1`, `STOPPING=1`, `STATUS=...`).
/// Does nothing when the variable is unset, as under OpenRC.
public enum ServiceNotifier {
    public static func notify(_ state: String) {
        guard let address = getenv("NOTIFY_SOCKET").map({ String(cString: $0) }),
            !address.isEmpty
        else {
            return
        }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }

        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        var path = Array(address.utf8)
        // A leading "@" names an abstract socket, whose first byte is NUL.
        if path.first == UInt8(ascii: "@") { path[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: socketAddress.sun_path)
        guard path.count < capacity else { return }
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { raw in
            raw.copyBytes(from: path)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count)
        let message = Array(state.utf8)
        _ = withUnsafePointer(to: &socketAddress) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                sendto(fd, message, message.count, Int32(MSG_NOSIGNAL), address, length)
            }
        }
    }
}
