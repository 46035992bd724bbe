#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemKit

/// The user a container's process runs as, resolved the way Docker resolves the image's
/// `User` (or `--user`) against the image's own `/etc/passwd` and `/etc/group`.
public struct ImageUser: Equatable, Sendable {
    public var uid: UInt32
    public var gid: UInt32
    public var additionalGids: [UInt32]
    public var home: String

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case unknownUser(String)
        case unknownGroup(String)

        public var description: String {
            switch self {
            case .unknownUser(let name):
                "no user \"\(name)\" in the image's /etc/passwd"
            case .unknownGroup(let name):
                "no group \"\(name)\" in the image's /etc/group"
            }
        }
    }

    /// Resolves `spec` (`""`, `name`, `uid`, `name:group`, `uid:gid`, ...) against the
    /// text of the image's passwd and group files (either may be empty).
    ///
    /// Mirrors Docker on purpose: a numeric uid unknown to passwd is still accepted with
    /// gid 0 and HOME `/`; supplementary groups come from `/etc/group` only when the
    /// group was not given explicitly.
    public static func resolve(_ spec: String, passwd: String, group: String)
        throws(Failure) -> ImageUser
    {
        let users = parse(passwd)
        let groups = parse(group)
        let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let userPart = parts.first.map(String.init) ?? ""
        let groupPart = parts.count > 1 ? String(parts[1]) : nil

        var user = ImageUser(uid: 0, gid: 0, additionalGids: [], home: "/")
        var name = "root"
        let wantedUser = userPart.isEmpty ? "0" : userPart
        // A name first, then a numeric uid, as Docker looks them up.
        if let entry = users.first(where: { $0[0] == wantedUser })
            ?? users.first(where: { $0[2] == wantedUser })
        {
            name = entry[0]
            user.uid = UInt32(entry[2]) ?? 0
            user.gid = UInt32(entry[3]) ?? 0
            user.home = entry.count > 5 && !entry[5].isEmpty ? entry[5] : "/"
        } else if let uid = UInt32(wantedUser) {
            user.uid = uid
            name = ""
        } else {
            throw .unknownUser(userPart)
        }

        if let groupPart, !groupPart.isEmpty {
            if let entry = groups.first(where: { $0[0] == groupPart }),
                let gid = UInt32(entry.count > 2 ? entry[2] : "")
            {
                user.gid = gid
            } else if let gid = UInt32(groupPart) {
                user.gid = gid
            } else {
                throw .unknownGroup(groupPart)
            }
            return user
        }

        if !name.isEmpty {
            for entry in groups where entry.count > 3 {
                let members = entry[3].split(separator: ",").map(String.init)
                if members.contains(name), let gid = UInt32(entry[2]), gid != user.gid,
                    !user.additionalGids.contains(gid)
                {
                    user.additionalGids.append(gid)
                }
            }
        }
        return user
    }

    /// The colon-separated fields of each non-comment line.
    static func parse(_ text: String) -> [[String]] {
        text.split(separator: "\n").compactMap { line in
            let trimmed = line.drop(while: { $0 == " " })
            if trimmed.isEmpty || trimmed.hasPrefix("#") { return nil }
            let fields = trimmed.split(separator: ":", omittingEmptySubsequences: false)
                .map(String.init)
            return fields.count >= 3 ? fields : nil
        }
    }

    /// Reads `etc/passwd` and `etc/group` of the root at `rootPath`, resolving their paths
    /// inside the root (a hostile image cannot make us read the host's files), and resolves
    /// `spec` against them. Missing files count as empty.
    public static func resolve(_ spec: String, inRoot rootPath: String) throws -> ImageUser {
        let root = try FileDescriptor.open(rootPath, O_RDONLY | O_DIRECTORY)
        defer { root.close() }
        func text(_ path: String) throws -> String {
            do {
                let fd = try FileDescriptor.open(path, O_RDONLY, inRoot: root)
                defer { fd.close() }
                return String(decoding: try fd.readToEnd(), as: UTF8.self)
            } catch where error.errno == ENOENT {
                return ""
            }
        }
        return try resolve(spec, passwd: try text("/etc/passwd"), group: try text("/etc/group"))
    }
}
