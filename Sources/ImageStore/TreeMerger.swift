#if canImport(Glibc)
import Glibc
#endif
import CShim
import SystemKit

/// Copies one layer directory onto a destination tree the way overlayfs would show it
/// on top: whiteouts delete, opaque directories replace, everything else is copied with
/// its owner, mode, attributes and times; hard links inside the layer stay hard links.
struct TreeMerger {
    /// The destination root, to place hard links by path.
    let destinationRoot: Int32

    func merge(_ source: Int32, into destination: Int32, at components: [String],
               links: inout [UInt64: [String]], path: String) throws(SystemError)
    {
        for name in try LayerTree.listNames(source, path: path) {
            let childPath = path + "/" + name
            var status = stat()
            try Syscall.check("fstatat", path: childPath) {
                fstatat(source, name, &status, AT_SYMLINK_NOFOLLOW)
            }
            var existing = stat()
            let exists = fstatat(destination, name, &existing, AT_SYMLINK_NOFOLLOW) == 0
            let existingIsDirectory = exists && (existing.st_mode & S_IFMT) == S_IFDIR

            if LayerTree.isWhiteout(status) {
                try LayerTree.removeEntry(destination, name, path: childPath)
                continue
            }
            guard (status.st_mode & S_IFMT) == S_IFDIR else {
                if exists {
                    try LayerTree.removeEntry(destination, name, path: childPath)
                }
                try copyFile(source, name, destination, status, components + [name],
                             links: &links, path: childPath)
                continue
            }

            if exists && !existingIsDirectory {
                try LayerTree.removeEntry(destination, name, path: childPath)
            }
            if !existingIsDirectory {
                try Syscall.check("mkdirat", path: childPath) { mkdirat(destination, name, 0o700) }
            }
            let sourceChild = try Syscall.check("openat", path: childPath) {
                LayerTree.openDirectory(source, name)
            }
            defer { close(sourceChild) }
            let destinationChild = try Syscall.check("openat", path: childPath) {
                LayerTree.openDirectory(destination, name)
            }
            defer { close(destinationChild) }
            if existingIsDirectory && LayerTree.isOpaque(sourceChild) {
                for old in try LayerTree.listNames(destinationChild, path: childPath) {
                    try LayerTree.removeEntry(destinationChild, old, path: childPath + "/" + old)
                }
            }
            try Syscall.check("fchown", path: childPath) {
                fchown(destinationChild, status.st_uid, status.st_gid)
            }
            try Syscall.check("fchmod", path: childPath) {
                fchmod(destinationChild, status.st_mode & 0o7777)
            }
            try copyDirectoryAttributes(sourceChild, destinationChild, path: childPath)
            try merge(sourceChild, into: destinationChild, at: components + [name],
                      links: &links, path: childPath)
            var times = [status.st_atim, status.st_mtim]
            try Syscall.check("futimens", path: childPath) { futimens(destinationChild, &times) }
        }
    }

    private func copyFile(_ source: Int32, _ name: String, _ destination: Int32, _ status: stat,
                          _ components: [String], links: inout [UInt64: [String]],
                          path: String) throws(SystemError)
    {
        if status.st_nlink > 1, let first = links[UInt64(status.st_ino)] {
            let parent = LayerTree.openPath(destinationRoot, Array(first.dropLast()))
            if parent >= 0 {
                defer { close(parent) }
                try Syscall.check("linkat", path: path) {
                    linkat(parent, first.last!, destination, name, 0)
                }
                return
            }
        }
        try FileCopier.copyEntry(from: source, name, to: destination, name, path: path)
        if status.st_nlink > 1 {
            links[UInt64(status.st_ino)] = components
        }
    }

    /// Copies extended attributes except overlayfs's own.
    private func copyDirectoryAttributes(_ input: Int32, _ output: Int32, path: String)
        throws(SystemError)
    {
        let length = flistxattr(input, nil, 0)
        guard length > 0 else { return }
        var names = [CChar](repeating: 0, count: length)
        let got = flistxattr(input, &names, length)
        guard got > 0 else { return }
        for name in names[0..<got].split(separator: 0) {
            let key = String(decoding: name.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if key.hasPrefix("trusted.overlay.") { continue }
            let size = fgetxattr(input, key, nil, 0)
            guard size >= 0 else { continue }
            var value = [UInt8](repeating: 0, count: size)
            _ = fgetxattr(input, key, &value, size)
            try Syscall.check("fsetxattr", path: path) { fsetxattr(output, key, value, size, 0) }
        }
    }
}
