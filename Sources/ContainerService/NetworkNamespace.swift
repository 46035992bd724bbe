#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CShim
import SystemKit

/// A container's own network namespace with loopback up, kept alive by a bind mount of
/// its nsfs file at `path` so that the runtime joins it by path. A thread of the daemon
/// makes it (`cshim_network_namespace_create`): unshare with CLONE_NEWNET moves only
/// the calling thread, which then ends; a helper process cost an exec per container.
public enum NetworkNamespace {
    /// Makes the namespace at `path`, a file that must not exist yet.
    public static func create(at path: String) throws(SystemError) {
        var step: Int32 = 0
        guard cshim_network_namespace_create(path, &step) != 0 else {
            return
        }
        let calls: [Int32: String] = [
            1: "pthread_create", 2: "unshare CLONE_NEWNET", 3: "ioctl SIOCSIFFLAGS lo",
            4: "open", 5: "mount /proc/thread-self/ns/net",
        ]
        throw SystemError(call: calls[step] ?? "network namespace", path: path,
                          errno: currentErrno())
    }

    /// Releases the namespace pinned at `path`. A missing one is not an error.
    public static func remove(at path: String) throws(SystemError) {
        if umount2(path, Int32(MNT_DETACH)) != 0 {
            let code = currentErrno()
            guard code == EINVAL || code == ENOENT else {
                throw SystemError(call: "umount2", path: path, errno: code)
            }
        }
        if unlink(path) != 0 && currentErrno() != ENOENT {
            throw SystemError(call: "unlink", path: path, errno: currentErrno())
        }
    }
}
