/// How container roots and image views are assembled from layer snapshots.
public enum SnapshotterKind: String, Sendable, Codable {
    /// Overlay mounts stacking the layer directories.
    case overlay
    /// A private copy of the merged layers, bind mounted; for hosts without overlayfs.
    case copy
}
