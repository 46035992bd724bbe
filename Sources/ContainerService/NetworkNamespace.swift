#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemKit

/// A container's own network namespace with loopback up, kept alive by a bind mount of
/// its nsfs file at `path` so that the runtime joins it by path. `contaird-netns` (a
/// small static C program beside the daemon) makes it: the multi-threaded daemon cannot
/// unshare its own namespace.
public enum NetworkNamespace {
    /// Makes the namespace at `path` with `helper`, the contaird-netns binary.
    public static func create(at path: String, helper: String) throws {
        let result = try Subprocess.run([helper, path])
        guard result.status == 0 else {
            let message = String(decoding: result.error, as: UTF8.self).trimmingWhitespace()
            throw DaemonError.helperFailed("\(helper) \(path)", message)
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
