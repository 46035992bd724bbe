#if canImport(Glibc)
import Glibc
#endif
import ImageSpec
import CShim
import SystemKit

/// Applies one layer's tar entries to an empty directory (the layer's own snapshot),
/// against the merged view of the layers beneath it, in tar order.
///
/// Every path is resolved by a walk of our own: entry names must be relative and free
/// of `..`; a symbolic link met on the way is followed inside the image root as if the
/// root were `/` (absolute targets restart at the root, `..` stops at it); writes then
/// happen with `*at` calls on directories opened one component at a time with
/// `O_NOFOLLOW`, starting at the layer directory. An entry that would need to leave the
/// root, or goes through a symlink to nothing, refuses the whole layer with an error
/// naming it.
///
/// Whiteouts (`.wh.NAME`) become overlay whiteouts (character device 0/0) and
/// `.wh..wh..opq` the `trusted.overlay.opaque` attribute. Whiteouts hide lower layers
/// only, whatever their place in the tar: a directory of this layer at a whited-out
/// name (before or after the whiteout) is made opaque instead. A hard link to a file of
/// a lower layer copies that file up into this layer first.
final class LayerApplier {
    private let layer: Digest
    private let upper: Int32
    /// Root descriptors of this layer (index 0) and the ones beneath, topmost first.
    private let roots: LayerStack
    /// Directory times to set once all entries are in (writing children changes them).
    private var directoryTimes: [(components: [String], times: [timespec])] = []
    private var entryName = ""
    /// The parent directory of the last entry: its path as written, its resolved path
    /// and an open descriptor in this layer. Entries of one directory follow each other
    /// in a tar, so most entries reuse it. Dropped after any entry that removes,
    /// links or hides something, since those can change how a path resolves.
    private var cachedParent: (written: [String], resolved: [String], fd: Int32)?

    /// `upper` is the layer's empty directory (the caller keeps it open), `lowers` the
    /// paths of the layers beneath, topmost first.
    init(layer: Digest, upper: Int32, lowers: [String]) {
        self.layer = layer
        self.upper = upper
        self.roots = LayerStack(upper: upper, lowerPaths: lowers)
    }

    deinit {
        forgetParent()
    }

    /// Applies every entry of `reader`.
    func apply(_ reader: TarReader) throws(ImageStoreError) {
        while let entry = try reader.next() {
            entryName = entry.path
            try apply(entry, reader)
        }
        for (components, times) in directoryTimes.reversed() {
            let fd = LayerTree.openPath(upper, components)
            if fd >= 0 {
                futimens(fd, times)
                close(fd)
            }
        }
    }

    private func apply(_ entry: TarEntry, _ reader: TarReader) throws(ImageStoreError) {
        let components = try relativeComponents(entry.path)
        guard let name = components.last else {
            if entry.type == S_IFDIR {
                try setMetadata(upper, entry, path: ".")
                directoryTimes.append(([], [entry.accessTime, entry.modificationTime]))
            }
            return
        }

        if name == ".wh..wh..opq" || name.hasPrefix(".wh.") || entry.hardlinkTarget != nil {
            forgetParent()
        }
        if name == ".wh..wh..opq" {
            let parent = try resolveParent(components)
            let directory = try openUpperDirectory(parent)
            defer { close(directory) }
            try check("fsetxattr") {
                fsetxattr(directory, LayerTree.opaqueAttribute, "y", 1, 0)
            }
            return
        }
        if name.hasPrefix(".wh.") {
            try whiteout(components, hidden: String(name.dropFirst(4)))
            return
        }

        if let target = entry.hardlinkTarget {
            let parent = try resolveParent(components)
            let directory = try openUpperDirectory(parent)
            defer { close(directory) }
            try hardLink(directory, name, target: target)
            return
        }

        let written = Array(components.dropLast())
        let (parent, directory) = try parentDirectory(written, components)
        var existing = stat()
        let exists = fstatat(directory, name, &existing, AT_SYMLINK_NOFOLLOW) == 0
        let existingIsDirectory = exists && (existing.st_mode & S_IFMT) == S_IFDIR
        let replaces = exists && !(entry.type == S_IFDIR && existingIsDirectory)
        if replaces {
            try remove(directory, name)
        }
        defer {
            if replaces || entry.type == S_IFLNK {
                forgetParent()
            }
        }

        switch entry.type {
        case S_IFDIR:
            if !existingIsDirectory {
                try check("mkdirat") { mkdirat(directory, name, 0o700) }
                if exists && LayerTree.isWhiteout(existing) {
                    // Deleted and recreated in this layer: the old content stays hidden.
                    try setOpaque(directory, name)
                }
            }
            let child = try check("openat") { LayerTree.openDirectory(directory, name) }
            do throws(ImageStoreError) {
                try setMetadata(child, entry, path: entry.path)
            } catch {
                close(child)
                throw error
            }
            directoryTimes.append((parent + [name], [entry.accessTime, entry.modificationTime]))
            // The next entries are most likely inside this directory.
            if !replaces {
                forgetParent()
                cachedParent = (components, parent + [name], child)
            } else {
                close(child)
            }
        case S_IFREG:
            try writeFile(directory, name, entry, reader)
        case S_IFLNK:
            try check("symlinkat") { symlinkat(entry.symlinkTarget ?? "", directory, name) }
            try setLinkMetadata(directory, name, entry)
        case S_IFCHR, S_IFBLK, S_IFIFO:
            let device = cshim_makedev(entry.deviceMajor, entry.deviceMinor)
            try check("mknodat") { mknodat(directory, name, entry.type | 0o600, device) }
            try check("fchownat") {
                fchownat(directory, name, entry.uid, entry.gid, AT_SYMLINK_NOFOLLOW)
            }
            try check("fchmodat") { fchmodat(directory, name, entry.permissions, 0) }
            var times = [entry.accessTime, entry.modificationTime]
            try check("utimensat") { utimensat(directory, name, &times, AT_SYMLINK_NOFOLLOW) }
        default:
            // Sockets and other kinds have no place in an image; they are left out.
            break
        }
    }

    // MARK: - Paths

    /// The resolved path and open descriptor of the parent of `components`, from the
    /// cache when the previous entry had the same parent as written.
    private func parentDirectory(_ written: [String], _ components: [String])
        throws(ImageStoreError) -> (resolved: [String], fd: Int32)
    {
        if let cached = cachedParent, cached.written == written {
            return (cached.resolved, cached.fd)
        }
        forgetParent()
        let resolved = try resolveParent(components)
        let fd = try openUpperDirectory(resolved)
        cachedParent = (written, resolved, fd)
        return (resolved, fd)
    }

    private func forgetParent() {
        if let cached = cachedParent {
            close(cached.fd)
            cachedParent = nil
        }
    }

    /// The entry's path as components: relative, without `.`; `..` and absolute paths
    /// are refused.
    private func relativeComponents(_ path: String, what: String = "path")
        throws(ImageStoreError) -> [String]
    {
        if path.hasPrefix("/") {
            throw refuse("absolute \(what)")
        }
        let components = path.split(separator: "/").map(String.init).filter { $0 != "." }
        if components.contains("..") {
            throw refuse("\(what) contains \"..\"")
        }
        return components
    }

    /// Resolves all but the last of `components` in the merged view, following symlinks
    /// inside the root. Components that do not exist yet are kept as they are (and will
    /// be created), unless a symlink led there.
    private func resolveParent(_ components: [String]) throws(ImageStoreError) -> [String] {
        var pending = Array(components.dropLast().reversed())
        var resolved: [String] = []
        var followedLinks = 0
        var missing = false
        while let name = pending.popLast() {
            if name.isEmpty || name == "." {
                continue
            }
            if name == ".." {
                if !resolved.isEmpty { resolved.removeLast() }
                continue
            }
            resolved.append(name)
            if missing {
                continue
            }
            guard let found = LayerTree.lookupMerged(roots, resolved) else {
                if followedLinks > 0 {
                    throw refuse("\"\(resolved.joined(separator: "/"))\" reached through a"
                                 + " symbolic link does not exist")
                }
                missing = true
                continue
            }
            if found.isDirectory {
                continue
            }
            guard found.isSymlink, let target = found.linkTarget else {
                throw refuse("\"\(resolved.joined(separator: "/"))\" is not a directory")
            }
            followedLinks += 1
            if followedLinks > 40 {
                throw refuse("too many levels of symbolic links")
            }
            resolved.removeLast()
            if target.hasPrefix("/") {
                resolved.removeAll()
            }
            pending.append(contentsOf: target.split(separator: "/").map(String.init).reversed())
        }
        return resolved
    }

    /// Opens the directory `components` in this layer, creating missing steps. A step
    /// that exists beneath is created with that directory's owner, mode and times; a
    /// step that replaces a whiteout is created opaque.
    private func openUpperDirectory(_ components: [String]) throws(ImageStoreError) -> Int32 {
        var directory = dup(upper)
        for (index, name) in components.enumerated() {
            var child = LayerTree.openDirectory(directory, name)
            if child < 0 {
                let failure = errno
                do {
                    try createStep(directory, name, failure, Array(components[...index]))
                } catch {
                    close(directory)
                    throw error
                }
                child = LayerTree.openDirectory(directory, name)
            }
            let saved = errno
            close(directory)
            guard child >= 0 else {
                throw .layerEntry(layer: layer, entry: entryName,
                                  cause: SystemError(call: "openat", path: name, errno: saved))
            }
            directory = child
        }
        return directory
    }

    private func createStep(_ directory: Int32, _ name: String, _ failure: Int32,
                            _ components: [String]) throws(ImageStoreError)
    {
        var existing = stat()
        let replacesWhiteout = failure != ENOENT
            && fstatat(directory, name, &existing, AT_SYMLINK_NOFOLLOW) == 0
            && LayerTree.isWhiteout(existing)
        guard failure == ENOENT || replacesWhiteout else {
            throw .layerEntry(layer: layer, entry: entryName,
                              cause: SystemError(call: "openat", path: name, errno: failure))
        }
        if replacesWhiteout {
            try check("unlinkat") { unlinkat(directory, name, 0) }
        }
        try check("mkdirat") { mkdirat(directory, name, 0o755) }
        if replacesWhiteout {
            try setOpaque(directory, name)
            return
        }
        let below = LayerTree.lookupMerged(roots, components, from: 1)
        if let below, below.isDirectory {
            let status = below.status
            try check("fchownat") {
                fchownat(directory, name, status.st_uid, status.st_gid, AT_SYMLINK_NOFOLLOW)
            }
            try check("fchmodat") { fchmodat(directory, name, status.st_mode & 0o7777, 0) }
            directoryTimes.append((components, [status.st_atim, status.st_mtim]))
        }
    }

    // MARK: - Entry kinds

    private func whiteout(_ components: [String], hidden: String) throws(ImageStoreError) {
        guard !hidden.isEmpty, hidden != ".", hidden != "..", !hidden.contains("/") else {
            throw refuse("whiteout of an invalid name")
        }
        let parent = try resolveParent(components)
        let directory = try openUpperDirectory(parent)
        defer { close(directory) }

        // A whiteout hides lower layers only (OCI image spec): what this layer already
        // put at the name stays. A directory of this layer becomes opaque, so the
        // lower directory's content stays hidden; a non-directory hides it already.
        var existing = stat()
        if fstatat(directory, hidden, &existing, AT_SYMLINK_NOFOLLOW) == 0 {
            if (existing.st_mode & S_IFMT) == S_IFDIR {
                try setOpaque(directory, hidden)
            }
            return
        }
        if LayerTree.lookupMerged(roots, parent + [hidden], from: 1) != nil {
            try check("mknodat") { mknodat(directory, hidden, S_IFCHR, 0) }
        }
    }

    private func hardLink(_ directory: Int32, _ name: String, target: String)
        throws(ImageStoreError)
    {
        let targetComponents = try relativeComponents(target,
                                                      what: "hard link target \"\(target)\"")
        guard let targetName = targetComponents.last else {
            throw refuse("hard link to the root")
        }
        let targetParent = try resolveParent(targetComponents)
        guard let found = LayerTree.lookupMerged(roots, targetParent + [targetName]) else {
            throw refuse("hard link target \"\(target)\" does not exist")
        }
        if found.isDirectory {
            throw refuse("hard link target \"\(target)\" is a directory")
        }

        let targetDirectory = try openUpperDirectory(targetParent)
        defer { close(targetDirectory) }
        if found.layer > 0 {
            try copyUp(from: found.layer, targetParent, targetName, into: targetDirectory)
        }
        var existing = stat()
        if fstatat(directory, name, &existing, AT_SYMLINK_NOFOLLOW) == 0 {
            var linked = stat()
            fstatat(targetDirectory, targetName, &linked, AT_SYMLINK_NOFOLLOW)
            if existing.st_ino == linked.st_ino && existing.st_dev == linked.st_dev {
                return
            }
            try remove(directory, name)
        }
        try check("linkat") { linkat(targetDirectory, targetName, directory, name, 0) }
    }

    /// Copies the non-directory `name` of lower layer `index` into this layer.
    private func copyUp(from index: Int, _ parent: [String], _ name: String,
                        into directory: Int32) throws(ImageStoreError)
    {
        let source = LayerTree.openPath(roots.root(index), parent)
        guard source >= 0 else {
            throw .layerEntry(layer: layer, entry: entryName,
                              cause: SystemError(call: "openat", path: name, errno: errno))
        }
        defer { close(source) }
        try systemCall { () throws(SystemError) in
            try FileCopier.copyEntry(from: source, name, to: directory, name,
                                     path: parent.joined(separator: "/") + "/" + name)
        }
    }

    private func writeFile(_ directory: Int32, _ name: String, _ entry: TarEntry,
                           _ reader: TarReader) throws(ImageStoreError)
    {
        let flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC
        let fd = try check("openat") { openat(directory, name, flags, 0o600) }
        defer { close(fd) }
        try reader.readData { (block, offset) throws(ImageStoreError) in
            var done = 0
            while done < block.count {
                let wrote = try check("pwrite") {
                    pwrite(fd, block.baseAddress! + done, block.count - done,
                           off_t(offset) + off_t(done))
                }
                done += wrote
            }
        }
        // Sparse files end in a hole that no block covers.
        try check("ftruncate") { ftruncate(fd, off_t(entry.size)) }
        try setMetadata(fd, entry, path: entry.path)
        var times = [entry.accessTime, entry.modificationTime]
        try check("futimens") { futimens(fd, &times) }
    }

    // MARK: - Metadata

    /// Owner, then mode (a chown clears setuid bits), then extended attributes.
    private func setMetadata(_ fd: Int32, _ entry: TarEntry, path: String)
        throws(ImageStoreError)
    {
        try check("fchown") { fchown(fd, entry.uid, entry.gid) }
        try check("fchmod") { fchmod(fd, entry.permissions) }
        for (name, value) in entry.extendedAttributes where !name.hasPrefix("trusted.overlay.") {
            try check("fsetxattr") { fsetxattr(fd, name, value, value.count, 0) }
        }
    }

    private func setLinkMetadata(_ directory: Int32, _ name: String, _ entry: TarEntry)
        throws(ImageStoreError)
    {
        try check("fchownat") {
            fchownat(directory, name, entry.uid, entry.gid, AT_SYMLINK_NOFOLLOW)
        }
        var times = [entry.accessTime, entry.modificationTime]
        try check("utimensat") { utimensat(directory, name, &times, AT_SYMLINK_NOFOLLOW) }
    }

    private func setOpaque(_ directory: Int32, _ name: String) throws(ImageStoreError) {
        let child = try check("openat") { LayerTree.openDirectory(directory, name) }
        defer { close(child) }
        try check("fsetxattr") { fsetxattr(child, LayerTree.opaqueAttribute, "y", 1, 0) }
    }

    private func remove(_ directory: Int32, _ name: String) throws(ImageStoreError) {
        do {
            try LayerTree.removeEntry(directory, name, path: entryName)
        } catch {
            throw .layerEntry(layer: layer, entry: entryName, cause: error)
        }
    }

    // MARK: - Errors

    private func refuse(_ reason: String) -> ImageStoreError {
        .unsafeEntry(layer: layer, entry: entryName, reason: reason)
    }

    /// Runs a call returning -1 on failure; the error names the entry being applied.
    @discardableResult
    private func check<T: FixedWidthInteger>(_ call: String, _ body: () -> T)
        throws(ImageStoreError) -> T
    {
        do {
            return try Syscall.check(call, path: entryName, body)
        } catch {
            throw .layerEntry(layer: layer, entry: entryName, cause: error)
        }
    }
}
