import SystemKit

extension ImageService {
    /// The mounts that make the existing writable root `key` a root again, or nil when
    /// there is no such root. A reboot clears the mounts under the daemon's state
    /// directory but keeps the roots under its root directory; this mounts them again
    /// with the files their containers wrote.
    public func existingRoot(key: String) throws(ImageStoreError) -> [Mount]? {
        try locked { () throws(ImageStoreError) in
            try snapshots.activeMounts(key: key)
        }
    }
}

extension SnapshotStore {
    /// The mounts of the active snapshot `key` as `prepareActive` made them: an overlay
    /// when it has a work directory, else a bind mount of its private copy.
    func activeMounts(key: String) throws(ImageStoreError) -> [Mount]? {
        guard let row = try row(key), row.kind == "active", let parent = row.parent else {
            return nil
        }
        let base = path(row.id)
        guard FileSystem.isDirectory(base + "/fs") else { return nil }
        if FileSystem.isDirectory(base + "/work") {
            let lowers = try chain(parent)
            return [Mount(type: "overlay", source: "overlay",
                          options: ["lowerdir=" + lowers.joined(separator: ":"),
                                    "upperdir=\(base)/fs", "workdir=\(base)/work"])]
        }
        return [Mount(type: "bind", source: base + "/fs", options: ["rbind", "rw"])]
    }
}
