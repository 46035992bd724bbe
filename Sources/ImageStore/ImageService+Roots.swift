#if canImport(Glibc)
import Glibc
#endif
import ImageSpec
import SystemKit

extension ImageService {
    /// Creates the writable root `key` for a container on top of `image` (unpacked
    /// first when needed) and returns the mounts that make it: an overlay (lower
    /// layers, upper and work directories), or a bind mount of a private copy with the
    /// copying snapshotter or when the image has more layers than overlayfs stacks.
    public func prepareRoot(image reference: String, key: String) throws(ImageStoreError)
        -> [Mount]
    {
        try locked { () throws(ImageStoreError) in
            try prepare(image: reference, key: key, readOnly: false)
        }
    }

    /// Removes the root `key` and its files. A missing root is not an error.
    public func removeRoot(key: String) throws(ImageStoreError) {
        try locked { () throws(ImageStoreError) in
            guard let row = try snapshots.row(key), row.kind == "active" else { return }
            try snapshots.remove(key)
        }
    }

    /// Removes the record of the root `key`, so that the key is free at once, and returns
    /// its directory for the caller to delete when it likes (nil when there was no such
    /// root). No record will name that directory again (snapshot ids are never reused),
    /// and an image service that starts before it is gone deletes it then.
    public func detachRoot(key: String) throws(ImageStoreError) -> String? {
        try locked { () throws(ImageStoreError) -> String? in
            guard let row = try snapshots.row(key), row.kind == "active" else { return nil }
            return try snapshots.detach(key)
        }
    }

    /// Mounts a read-only view of the image at `directory`.
    public func mountImage(_ reference: String, at directory: String) throws(ImageStoreError) {
        try locked { () throws(ImageStoreError) in
            let key = Self.viewKey(directory)
            let mounts = try prepare(image: reference, key: key, readOnly: true)
            do throws(ImageStoreError) {
                try OverlayMount.perform(mounts, at: directory)
            } catch {
                try? snapshots.remove(key)
                throw error
            }
        }
    }

    /// Unmounts the view at `directory` and removes its snapshot.
    public func unmount(_ directory: String) throws(ImageStoreError) {
        try locked { () throws(ImageStoreError) in
            let key = Self.viewKey(directory)
            guard try snapshots.row(key) != nil else { throw .snapshotNotFound(key) }
            try OverlayMount.unmount(directory)
            try snapshots.remove(key)
        }
    }

    /// The keys of the active snapshots: container roots and image views.
    public func activeRoots() throws(ImageStoreError) -> [String] {
        try locked { () throws(ImageStoreError) in
            try snapshots.all().filter { $0.kind == "active" }.map(\.key)
        }
    }

    static func viewKey(_ directory: String) -> String {
        "view:" + directory
    }

    private func prepare(image reference: String, key: String, readOnly: Bool)
        throws(ImageStoreError) -> [Mount]
    {
        let record = try image(reference)
        let (_, manifest, configuration) = try platformManifest(record)
        var created: [String] = []
        let top: String
        do throws(ImageStoreError) {
            top = try unpack(manifest, configuration, image: record.name, created: &created)
        } catch {
            for createdKey in created.reversed() { try? snapshots.remove(createdKey) }
            throw error
        }
        if top.isEmpty {
            throw .invalidDocument(what: "image \"\(record.name)\"", reason: "it has no layers")
        }
        return try snapshots.prepareActive(key: key, parent: top, readOnly: readOnly)
    }
}
