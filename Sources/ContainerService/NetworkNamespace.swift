#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CShim
import SystemKit

/// A container's own network namespace with loopback up, kept alive by a bind mount of
/// its nsfs file at `path` so that it outlives the process that made it; the runtime
/// joins it by path.
///
/// The daemon is multi-threaded and cannot unshare its own namespace safely, so it runs
/// itself as a short-lived helper (`contaird netns-create PATH`) whose first act, before
/// any thread starts, is `create(at:)`.
public enum NetworkNamespace {
    /// Run in a fresh single-threaded process: unshares the network namespace, brings
    /// `lo` up, and pins the namespace at `path`.
    public static func create(at path: String) throws(SystemError) {
        try Syscall.check("unshare(CLONE_NEWNET)") { cshim_unshare_network() }
        try Syscall.check("ioctl(SIOCSIFFLAGS)", path: "lo") { cshim_interface_up("lo") }
        let file = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_EXCL, mode: 0o444)
        file.close()
        do {
            try Syscall.check("mount", path: path) {
                mount("/proc/self/ns/net", path, nil, UInt(MS_BIND), nil)
            }
        } catch {
            unlink(path)
            throw error
        }
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
