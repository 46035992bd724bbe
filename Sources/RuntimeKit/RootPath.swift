#if canImport(Glibc)
import Glibc
#endif
import CRuntime
import SystemKit

/// Paths resolved inside a container's root, never outside it.
///
/// Every lookup goes through openat2 with RESOLVE_IN_ROOT: a symlink, absolute or
/// full of "..", resolves as if the root were "/", and magic links (/proc/self/fd/N)
/// are refused. Mounts then target the opened file through /proc/self/fd/N, so a path
/// swapped after the lookup cannot redirect them.
struct RootPath {
    /// An O_PATH descriptor of the root directory.
    let root: Int32

    /// Opens `path` inside the root with `flags` (O_CLOEXEC is added).
    func open(_ path: String, _ flags: Int32 = O_PATH) throws(SystemError) -> Int32 {
        let relative = Self.relative(path)
        return try Syscall.check("openat2", path: path) {
            cruntime_open_in_root(root, relative.isEmpty ? "." : relative, flags, 0)
        }
    }

    /// Opens `path`, creating it and its missing parents inside the root first: the last
    /// component as a directory or, when `directory` is false, an empty file.
    func create(_ path: String, directory: Bool, depth: Int = 0) throws(SystemError) -> Int32 {
        guard depth < 40 else {
            throw SystemError(call: "resolve", path: path, errno: ELOOP)
        }
        if let fd = try? open(path) {
            return fd
        }
        let components = Self.relative(path).split(separator: "/").map(String.init)
        var prefix = ""
        for (index, name) in components.enumerated() {
            let current = prefix.isEmpty ? name : "\(prefix)/\(name)"
            defer { prefix = current }
            if let fd = try? open(current) {
                close(fd)
                continue
            }
            let isLast = index == components.count - 1
            let parent = try open(prefix)
            defer { close(parent) }
            let made: Int32
            if isLast && !directory {
                made = openat(parent, name, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC,
                              0o644)
                if made >= 0 {
                    close(made)
                }
            } else {
                made = mkdirat(parent, name, 0o755)
            }
            if made < 0 && errno != EEXIST {
                throw SystemError(call: isLast && !directory ? "create" : "mkdir",
                                  path: "/" + current, errno: errno)
            }
            if made < 0 {
                // Something is there that does not resolve: a dangling symlink. Create
                // what it points to, inside the root, and go on through it.
                let target = try readLink(parent, name, path: "/" + current)
                let resolved = target.hasPrefix("/") ? target : "\(prefix)/\(target)"
                let rest = components[(index + 1)...].joined(separator: "/")
                let next = rest.isEmpty ? resolved : "\(resolved)/\(rest)"
                return try create(next, directory: directory, depth: depth + 1)
            }
        }
        return try open(path)
    }

    private func readLink(_ directory: Int32, _ name: String, path: String)
        throws(SystemError) -> String
    {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = try Syscall.check("readlinkat", path: path) {
            readlinkat(directory, name, &buffer, Int(PATH_MAX))
        }
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `path` without leading slashes: "/a/b" → "a/b".
    static func relative(_ path: String) -> String {
        String(path.drop { $0 == "/" })
    }

    /// The path through which mount(2) and friends reach the open file `fd`.
    static func procPath(_ fd: Int32) -> String {
        "/proc/self/fd/\(fd)"
    }
}
