#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemKit

/// systemd's socket activation: a listening socket handed over as descriptor 3, with
/// `LISTEN_PID` naming this process and `LISTEN_FDS` counting the descriptors.
enum SocketActivation {
    static func listener() -> FileDescriptor? {
        guard let pidText = getenv("LISTEN_PID").map({ String(cString: $0) }),
            let countText = getenv("LISTEN_FDS").map({ String(cString: $0) }),
            pid_t(pidText) == getpid(), let count = Int(countText), count >= 1
        else {
            return nil
        }
        unsetenv("LISTEN_PID")
        unsetenv("LISTEN_FDS")
        unsetenv("LISTEN_FDNAMES")
        let descriptor = FileDescriptor(rawValue: 3)
        try? descriptor.setCloseOnExec(true)
        return descriptor
    }
}
