#if canImport(Glibc)
import Glibc
#endif
import CShim
import ImageSpec
import SystemKit

/// Layer and container snapshots under `snapshots/<id>/`, described in the `snapshots`
/// table.
///
/// A committed snapshot is one applied layer, keyed by its chain ID, with its files in
/// `fs/` (overlay whiteouts and opaque attributes included); its parent is the chain
/// ID beneath. An active snapshot is a writable root (or a read-only view) on top of a
/// committed chain: `fs/` is the overlay upper directory, `work/` its work directory.
/// A snapshot being extracted is recorded as `extracting` and becomes `committed` only
/// when complete; opening the store removes what a crash left half done.
///
/// Not thread-safe: `ImageService` calls it under its lock.
final class SnapshotStore {
    /// overlayfs refuses to stack more lower directories than this.
    static let overlayStackLimit = 500

    struct Row {
        var id: Int64
        var key: String
        var parent: String?
        var kind: String
    }

    let directory: String
    let database: Database
    let kind: SnapshotterKind

    init(directory: String, database: Database, kind: SnapshotterKind?) throws(ImageStoreError) {
        self.directory = directory
        self.database = database
        try systemCall { () throws(SystemError) in
            try FileSystem.createDirectory(directory, mode: 0o700)
        }
        self.kind = kind ?? Self.probeOverlay(directory)
        try removeIncomplete()
    }

    /// The directory of snapshot `id`.
    func path(_ id: Int64) -> String {
        "\(directory)/\(id)"
    }

    func row(_ key: String) throws(ImageStoreError) -> Row? {
        let rows = try run("SELECT id, key, parent, kind FROM snapshots WHERE key = ?",
                           [.text(key)])
        return rows.first.map(Self.row)
    }

    func all() throws(ImageStoreError) -> [Row] {
        try run("SELECT id, key, parent, kind FROM snapshots ORDER BY id").map(Self.row)
    }

    private static func row(_ values: [SQLValue]) -> Row {
        Row(id: values[0].integer ?? 0, key: values[1].text ?? "",
            parent: values[2].text, kind: values[3].text ?? "")
    }

    /// The `fs` directories of `key` and its ancestors, topmost first.
    func chain(_ key: String) throws(ImageStoreError) -> [String] {
        let rows = Dictionary(try all().map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        var paths: [String] = []
        var next: String? = key
        while let current = next {
            guard let row = rows[current] else { throw .snapshotNotFound(current) }
            paths.append(path(row.id) + "/fs")
            next = row.parent
        }
        return paths
    }

    /// Creates the snapshot `chainID` on `parent` by running `apply` with the new, empty
    /// layer directory and `lowers`, the `fs` paths of the chain beneath (topmost
    /// first). The snapshot stays `extracting` until `commit`. On failure it is gone
    /// again. Returns the new `fs` path.
    @discardableResult
    func createLayer(
        chainID: String, parent: String?, lowers: [String],
        apply: (_ upper: Int32, _ lowers: [String]) throws(ImageStoreError) -> Void
    ) throws(ImageStoreError) -> String {
        let id = try insert(key: chainID, parent: parent, kind: "extracting")
        let layerPath = path(id) + "/fs"
        do throws(ImageStoreError) {
            try systemCall { () throws(SystemError) in
                try FileSystem.createDirectory(layerPath, mode: 0o755)
            }
            let upper = try systemCall { () throws(SystemError) in
                try FileDescriptor.open(layerPath, O_RDONLY | O_DIRECTORY)
            }
            defer { upper.close() }
            try apply(upper.rawValue, lowers)
            return layerPath
        } catch {
            try? remove(chainID)
            throw error
        }
    }

    /// Flushes the snapshots filesystem, then marks the extracted snapshots `keys`
    /// committed, in one transaction: a crash before leaves them `extracting`, and the
    /// next open removes them.
    func commit(_ keys: [String]) throws(ImageStoreError) {
        guard !keys.isEmpty else { return }
        let fd = try systemCall { () throws(SystemError) in
            try FileDescriptor.open(directory, O_RDONLY | O_DIRECTORY)
        }
        defer { fd.close() }
        try systemCall { () throws(SystemError) in
            try Syscall.check("syncfs", path: directory) { cshim_syncfs(fd.rawValue) }
        }
        do {
            try database.transaction {
                for key in keys {
                    try database.execute("""
                        UPDATE snapshots SET kind = 'committed'
                        WHERE key = ? AND kind = 'extracting'
                        """, [.text(key)])
                }
            }
        } catch let error as DatabaseError {
            throw .database(error)
        } catch {
            throw .invalidDocument(what: "snapshots", reason: "\(error)")
        }
    }

    /// Creates the active snapshot `key` on `parent` and returns the mounts that make it
    /// a root: an overlay, or a bind mount of a private copy when overlay is not in use
    /// or cannot stack this many layers.
    func prepareActive(key: String, parent: String, readOnly: Bool)
        throws(ImageStoreError) -> [Mount]
    {
        if try row(key) != nil {
            throw .snapshotExists(key)
        }
        let lowers = try chain(parent)
        let id = try insert(key: key, parent: parent, kind: "active")
        let base = path(id)
        do throws(ImageStoreError) {
            try systemCall { () throws(SystemError) in
                try FileSystem.createDirectory(base + "/fs", mode: 0o755)
            }
            let optionLength = lowers.reduce(0) { $0 + $1.utf8.count + 1 } + 2 * base.count + 40
            if kind == .overlay && lowers.count < Self.overlayStackLimit
                && optionLength < Int(getpagesize())
            {
                try systemCall { () throws(SystemError) in
                    try FileSystem.createDirectory(base + "/work", mode: 0o700)
                }
                if readOnly {
                    // A read-only overlay needs two lower directories: the empty fs of
                    // this view goes on top of the image's layers.
                    let stack = ([base + "/fs"] + lowers).joined(separator: ":")
                    return [Mount(type: "overlay", source: "overlay",
                                  options: ["ro", "lowerdir=" + stack])]
                }
                return [Mount(type: "overlay", source: "overlay",
                              options: ["lowerdir=" + lowers.joined(separator: ":"),
                                        "upperdir=\(base)/fs", "workdir=\(base)/work"])]
            }
            try materialize(lowers.reversed(), into: base + "/fs")
            return [Mount(type: "bind", source: base + "/fs",
                          options: ["rbind", readOnly ? "ro" : "rw"])]
        } catch {
            try? remove(key)
            throw error
        }
    }

    /// Removes snapshot `key` (its directory, then its row). Children must be gone.
    func remove(_ key: String) throws(ImageStoreError) {
        guard let row = try row(key) else { return }
        try systemCall { () throws(SystemError) in try FileSystem.removeTree(path(row.id)) }
        try run("DELETE FROM snapshots WHERE id = ?", [.integer(row.id)])
    }

    /// Deletes the row of `key` but not its directory, whose path it returns (nil when
    /// there is no such row); `removeIncomplete` deletes such a directory at the next
    /// start if nobody did before.
    func detach(_ key: String) throws(ImageStoreError) -> String? {
        guard let row = try row(key) else { return nil }
        try run("DELETE FROM snapshots WHERE id = ?", [.integer(row.id)])
        return path(row.id)
    }

    private func insert(key: String, parent: String?, kind: String)
        throws(ImageStoreError) -> Int64
    {
        try run("""
            INSERT INTO snapshots (key, parent, kind, chain_id, created)
            VALUES (?, ?, ?, ?, datetime('now'))
            """, [.text(key), parent.map { .text($0) } ?? .null, .text(kind),
                  kind == "active" ? .null : .text(key)])
        return database.lastInsertedRowID
    }

    /// Removes extracting snapshots and directories no row describes.
    private func removeIncomplete() throws(ImageStoreError) {
        for row in try all() where row.kind == "extracting" {
            try remove(row.key)
        }
        let known = Set(try all().map { String($0.id) })
        let names = try systemCall { () throws(SystemError) in
            try FileSystem.listDirectory(directory)
        }
        for name in names where !known.contains(name) {
            try systemCall { () throws(SystemError) in
                try FileSystem.removeTree(directory + "/" + name)
            }
        }
    }

    /// Copies the merged view of `layers` (bottom first) into the directory `target`.
    func materialize(_ layers: [String], into target: String) throws(ImageStoreError) {
        try systemCall { () throws(SystemError) in
            let destination = try FileDescriptor.open(target, O_RDONLY | O_DIRECTORY)
            defer { destination.close() }
            for layer in layers {
                let source = try FileDescriptor.open(layer, O_RDONLY | O_DIRECTORY)
                defer { source.close() }
                var links: [UInt64: [String]] = [:]
                try TreeMerger(destinationRoot: destination.rawValue)
                    .merge(source.rawValue, into: destination.rawValue, at: [], links: &links,
                           path: layer)
            }
        }
    }

    @discardableResult
    private func run(_ sql: String, _ bindings: [SQLValue] = []) throws(ImageStoreError)
        -> [[SQLValue]]
    {
        do {
            return try database.query(sql, bindings)
        } catch {
            throw .database(error)
        }
    }

    /// Whether an overlay mount works under `directory`: tried for real.
    static func probeOverlay(_ directory: String) -> SnapshotterKind {
        let probe = directory + "/probe-" + ContentStore.randomName()
        defer { try? FileSystem.removeTree(probe) }
        for name in ["lower", "upper", "work", "merged"] {
            guard (try? FileSystem.createDirectory(probe + "/" + name)) != nil else {
                return .copy
            }
        }
        // Ephemeral: the probe's unmount then does not wait for a sync of the disk.
        let mounted = (try? OverlayMount.mount(at: probe + "/merged", lowers: [probe + "/lower"],
                                                upper: probe + "/upper", work: probe + "/work",
                                                ephemeral: true)) != nil
        if mounted {
            umount2(probe + "/merged", Int32(MNT_DETACH))
            return .overlay
        }
        return .copy
    }
}
