#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// File operations built on `Syscall`, with errors that name the path.
public enum FileSystem {
    /// The whole content of the file at `path`.
    public static func read(_ path: String) throws(SystemError) -> [UInt8] {
        let fd = try FileDescriptor.open(path, O_RDONLY)
        defer { fd.close() }
        do {
            return try fd.readToEnd()
        } catch {
            throw SystemError(call: error.call, path: path, errno: error.errno)
        }
    }

    /// The content of the file at `path` as UTF-8 text.
    public static func readText(_ path: String) throws(SystemError) -> String {
        String(decoding: try read(path), as: UTF8.self)
    }

    /// Writes `bytes` to `path` so that readers see the old content or the new, never a
    /// mix: a temporary file beside it is written, synced and renamed over it, and the
    /// directory is synced so the rename survives a crash.
    ///
    /// Runtime state (the daemon's `--state`, /run) passes `durable: false`: renamed,
    /// not synced. It describes processes, which a crash of the host ends too, and a
    /// crash of the program loses nothing the kernel already has.
    public static func writeAtomically<Bytes: Collection>(
        _ path: String,
        _ bytes: Bytes,
        mode: mode_t = 0o644,
        durable: Bool = true
    ) throws(SystemError) where Bytes.Element == UInt8 {
        let temporary = "\(path).tmp-\(getpid())"
        let fd = try FileDescriptor.open(temporary, O_WRONLY | O_CREAT | O_TRUNC, mode: mode)
        do {
            try fd.writeAll(bytes)
            if durable {
                try fd.sync()
            }
            fd.close()
        } catch {
            fd.close()
            unlink(temporary)
            throw SystemError(call: error.call, path: temporary, errno: error.errno)
        }
        do {
            try Syscall.check("rename", path: path) { rename(temporary, path) }
        } catch {
            unlink(temporary)
            throw error
        }
        if durable {
            try syncDirectory(containing: path)
        }
    }

    /// Writes `text` atomically; see `writeAtomically(_:_:mode:durable:)`.
    public static func writeAtomically(_ path: String, text: String, mode: mode_t = 0o644,
                                       durable: Bool = true) throws(SystemError)
    {
        try writeAtomically(path, Array(text.utf8), mode: mode, durable: durable)
    }

    /// Writes `text` to an existing file such as a cgroup or /proc knob, in one write.
    public static func writeKnob(_ path: String, _ text: String) throws(SystemError) {
        let fd = try FileDescriptor.open(path, O_WRONLY)
        defer { fd.close() }
        do {
            try fd.writeAll(text)
        } catch {
            throw SystemError(call: "write", path: path, errno: error.errno)
        }
    }

    /// Syncs the directory that holds `path`.
    public static func syncDirectory(containing path: String) throws(SystemError) {
        let directory = parent(of: path)
        let fd = try FileDescriptor.open(directory, O_RDONLY | O_DIRECTORY)
        defer { fd.close() }
        try Syscall.check("fsync", path: directory) { fsync(fd.rawValue) }
    }

    /// Creates `path` and its missing parents, like `mkdir -p`.
    public static func createDirectory(_ path: String, mode: mode_t = 0o755)
        throws(SystemError)
    {
        if path.isEmpty || path == "/" || isDirectory(path) {
            return
        }
        let up = parent(of: path)
        if up != path {
            try createDirectory(up, mode: mode)
        }
        if mkdir(path, mode) != 0 {
            let code = currentErrno()
            if code == EEXIST && isDirectory(path) {
                return
            }
            throw SystemError(call: "mkdir", path: path, errno: code)
        }
    }

    /// Removes `path` and, if it is a directory, everything below it, without following
    /// symbolic links and without crossing into other mounts' content it cannot unlink.
    /// A missing path is not an error.
    public static func removeTree(_ path: String) throws(SystemError) {
        var status = stat()
        if lstat(path, &status) != 0 {
            let code = currentErrno()
            if code == ENOENT { return }
            throw SystemError(call: "lstat", path: path, errno: code)
        }
        if (status.st_mode & S_IFMT) == S_IFDIR {
            for name in try listDirectory(path) {
                try removeTree(path + "/" + name)
            }
            try Syscall.check("rmdir", path: path) { rmdir(path) }
        } else {
            try Syscall.check("unlink", path: path) { unlink(path) }
        }
    }

    /// The names in the directory at `path`, without "." and "..".
    public static func listDirectory(_ path: String) throws(SystemError) -> [String] {
        let directory = try Syscall.checkPointer("opendir", path: path) { opendir(path) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." {
                names.append(name)
            }
        }
        return names
    }

    /// Whether something exists at `path` (a dangling symlink counts).
    public static func exists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    /// Whether `path` is a directory, following symbolic links.
    public static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }

    /// The directory part of `path`: "/a/b" → "/a", "a" → ".", "/a" → "/".
    public static func parent(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") {
            trimmed = trimmed.dropLast()
        }
        guard let slash = trimmed.lastIndex(of: "/") else {
            return "."
        }
        if slash == trimmed.startIndex {
            return "/"
        }
        return String(trimmed[..<slash])
    }
}
