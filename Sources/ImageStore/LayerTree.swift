#if canImport(Glibc)
import Glibc
#endif
import CShim
import SystemKit

/// What one layer directory holds at a path, looked at without following symlinks.
enum LayerLookup {
    /// Something is there; `linkTarget` is set for a symbolic link.
    case found(stat, linkTarget: String?)
    /// The layer says nothing about the path; `opaqueAbove` when an opaque directory on
    /// the way hides the layers beneath.
    case missing(opaqueAbove: Bool)
    /// A whiteout, or a non-directory on the way, hides the path and the layers beneath.
    case hidden
}

/// An entry of the merged (overlay) view and the layer it comes from (0 is topmost).
struct MergedEntry {
    var layer: Int
    var status: stat
    var linkTarget: String?

    var isDirectory: Bool { (status.st_mode & S_IFMT) == S_IFDIR }
    var isSymlink: Bool { (status.st_mode & S_IFMT) == S_IFLNK }
}

/// Directory walks inside one layer directory, one component at a time with
/// `O_NOFOLLOW`, so that nothing in a layer can redirect a walk outside it.
enum LayerTree {
    static let opaqueAttribute = "trusted.overlay.opaque"

    /// Whether `status` is an overlay whiteout (a character device 0/0).
    static func isWhiteout(_ status: stat) -> Bool {
        (status.st_mode & S_IFMT) == S_IFCHR && status.st_rdev == 0
    }

    /// Whether the directory `fd` carries the overlay opaque attribute.
    static func isOpaque(_ fd: Int32) -> Bool {
        var value: UInt8 = 0
        return fgetxattr(fd, opaqueAttribute, &value, 1) == 1 && value == UInt8(ascii: "y")
    }

    /// Opens the directory `name` inside `parent` without following a symlink.
    static func openDirectory(_ parent: Int32, _ name: String) -> Int32 {
        openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    }

    /// Looks `components` up in the layer whose root is `root`.
    static func lookup(_ root: Int32, _ components: [String]) -> LayerLookup {
        if components.isEmpty {
            var status = stat()
            fstat(root, &status)
            return .found(status, linkTarget: nil)
        }
        var directory = root
        var opaque = false
        defer {
            if directory != root { close(directory) }
        }
        for (index, name) in components.enumerated() {
            var status = stat()
            if fstatat(directory, name, &status, AT_SYMLINK_NOFOLLOW) != 0 {
                return .missing(opaqueAbove: opaque)
            }
            if isWhiteout(status) {
                return .hidden
            }
            if index == components.count - 1 {
                var target: String?
                if (status.st_mode & S_IFMT) == S_IFLNK {
                    target = readLink(directory, name)
                }
                return .found(status, linkTarget: target)
            }
            guard (status.st_mode & S_IFMT) == S_IFDIR else {
                return .hidden
            }
            let child = openDirectory(directory, name)
            guard child >= 0 else {
                return .hidden
            }
            if directory != root { close(directory) }
            directory = child
            if isOpaque(child) {
                opaque = true
            }
        }
        return .hidden
    }

    /// Looks `components` up in the merged view of the stack's roots from index `first`
    /// down.
    static func lookupMerged(_ stack: LayerStack, _ components: [String], from first: Int = 0)
        -> MergedEntry?
    {
        for index in first..<stack.count {
            let root = stack.root(index)
            guard root >= 0 else { continue }
            switch lookup(root, components) {
            case .found(let status, let target):
                return MergedEntry(layer: index, status: status, linkTarget: target)
            case .hidden:
                return nil
            case .missing(let opaqueAbove):
                if opaqueAbove { return nil }
            }
        }
        return nil
    }

    /// The target of the symbolic link `name` in `directory`.
    static func readLink(_ directory: Int32, _ name: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlinkat(directory, name, &buffer, buffer.count - 1)
        guard length >= 0 else { return nil }
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Opens the directory at `components` under `root`, every step with O_NOFOLLOW.
    /// Returns -1 with errno set when a step is missing or not a directory.
    static func openPath(_ root: Int32, _ components: [String]) -> Int32 {
        var directory = dup(root)
        for name in components {
            let child = openDirectory(directory, name)
            let saved = errno
            close(directory)
            guard child >= 0 else {
                errno = saved
                return -1
            }
            directory = child
        }
        return directory
    }

    /// Removes `name` from `directory`, recursively when it is a directory.
    static func removeEntry(_ directory: Int32, _ name: String, path: String)
        throws(SystemError)
    {
        if unlinkat(directory, name, 0) == 0 || errno == ENOENT {
            return
        }
        guard errno == EISDIR else {
            throw SystemError(call: "unlinkat", path: path, errno: errno)
        }
        let child = try Syscall.check("openat", path: path) { openDirectory(directory, name) }
        let children: [String]
        do {
            children = try listNames(child, path: path)
        } catch {
            close(child)
            throw error
        }
        for childName in children {
            do {
                try removeEntry(child, childName, path: path + "/" + childName)
            } catch {
                close(child)
                throw error
            }
        }
        close(child)
        try Syscall.check("unlinkat", path: path) { unlinkat(directory, name, AT_REMOVEDIR) }
    }

    /// The names in the open directory `fd` (which stays open), without "." and "..".
    static func listNames(_ fd: Int32, path: String) throws(SystemError) -> [String] {
        let copy = try Syscall.check("dup", path: path) { dup(fd) }
        guard let stream = fdopendir(copy) else {
            close(copy)
            throw SystemError(call: "fdopendir", path: path, errno: errno)
        }
        defer { closedir(stream) }
        rewinddir(stream)
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." {
                names.append(name)
            }
        }
        return names
    }
}
