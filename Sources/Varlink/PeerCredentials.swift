#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CShim
import SystemKit

/// Who is at the other end of a Unix socket, as the kernel recorded it when the peer
/// connected (SO_PEERCRED, SO_PEERGROUPS): not what the peer claims.
public struct PeerCredentials: Sendable, Equatable {
    public let pid: pid_t
    public let uid: uid_t
    public let gid: gid_t
    /// The supplementary groups.
    public let groups: [gid_t]

    public init(pid: pid_t, uid: uid_t, gid: gid_t, groups: [gid_t]) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
        self.groups = groups
    }

    /// The credentials of the peer of `socket`.
    public init(of socket: FileDescriptor) throws(SystemError) {
        var pid: pid_t = 0
        var uid: uid_t = 0
        var gid: gid_t = 0
        try Syscall.check("getsockopt SO_PEERCRED") {
            cshim_peer_credentials(socket.rawValue, &pid, &uid, &gid)
        }
        var groups = [gid_t](repeating: 0, count: 64)
        var count = try Syscall.check("getsockopt SO_PEERGROUPS") {
            cshim_peer_groups(socket.rawValue, &groups, Int32(groups.count))
        }
        if Int(count) > groups.count {
            groups = [gid_t](repeating: 0, count: Int(count))
            count = try Syscall.check("getsockopt SO_PEERGROUPS") {
                cshim_peer_groups(socket.rawValue, &groups, Int32(groups.count))
            }
        }
        self.init(pid: pid, uid: uid, gid: gid, groups: Array(groups.prefix(Int(count))))
    }

    /// Whether the peer is root or has `group` as its primary or a supplementary group.
    public func isRootOrMember(of group: gid_t?) -> Bool {
        if uid == 0 {
            return true
        }
        guard let group else {
            return false
        }
        return gid == group || groups.contains(group)
    }
}
