import ImageStore

/// The snapshotters by the names the daemon's users see: `--snapshotter` and
/// `SystemInfo.storageDriver` say "overlayfs" and "native" (docs/api), the image
/// store's own names are accepted too.
extension SnapshotterKind {
    public init?(userName: String) {
        switch userName {
        case "overlayfs", SnapshotterKind.overlay.rawValue: self = .overlay
        case "native", SnapshotterKind.copy.rawValue: self = .copy
        default: return nil
        }
    }

    /// "overlayfs" or "native".
    public var userName: String {
        switch self {
        case .overlay: "overlayfs"
        case .copy: "native"
        }
    }
}
