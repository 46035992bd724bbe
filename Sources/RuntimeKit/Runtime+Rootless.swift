#if canImport(Glibc)
import Glibc
#endif
import SystemKit

/// Running without privileges over the host ("rootless"): as an unprivileged user, or
/// as root inside a user namespace. What changes then is the default state root and the
/// cgroup, which such a runtime may be unable to make (`ContainerCgroup.prepare`).
extension Runtime {
    /// The state root when `--root` is not given: `$XDG_RUNTIME_DIR/runcs` for an
    /// unprivileged user who has a runtime directory (runc's rule), else /run/runcs.
    public static func defaultRoot() -> String {
        if geteuid() != 0, let directory = getenv("XDG_RUNTIME_DIR"),
           case let path = String(cString: directory), !path.isEmpty {
            return "\(path)/runcs"
        }
        return "/run/runcs"
    }

    /// Whether we run as an unprivileged user or inside a user namespace other than the
    /// host's, whose uid map is the identity over the whole id range.
    public static func isRootlessByDefault() -> Bool {
        if geteuid() != 0 {
            return true
        }
        guard let map = try? FileSystem.readText("/proc/self/uid_map") else {
            return false
        }
        let fields = map.split(whereSeparator: { $0 == " " || $0 == "\n" })
        return fields != ["0", "0", "4294967295"]
    }

    /// `--rootless true|false|auto` as `Runtime.init` takes it: nil for auto.
    public static func rootlessSetting(_ text: String?) throws(RuntimeError) -> Bool? {
        switch text {
        case nil, "auto": return nil
        case "true": return true
        case "false": return false
        case let other?:
            throw RuntimeError(.invalidArgument,
                               "invalid --rootless \"\(other)\": use true, false or auto")
        }
    }
}
