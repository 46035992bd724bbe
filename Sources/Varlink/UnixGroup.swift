#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Looks up groups in the host's group database, for a socket's group and for
/// authorizing peers (`PeerCredentials.isRootOrMember(of:)`).
public enum UnixGroup {
    /// The id of the group called `name`, or nil when there is none.
    public static func id(named name: String) -> gid_t? {
        var group = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 4096)
        while true {
            let code = getgrnam_r(name, &group, &buffer, buffer.count, &result)
            if code == ERANGE && buffer.count < 1 << 20 {
                buffer = [CChar](repeating: 0, count: buffer.count * 4)
                continue
            }
            guard code == 0, let found = result else {
                return nil
            }
            return found.pointee.gr_gid
        }
    }
}
