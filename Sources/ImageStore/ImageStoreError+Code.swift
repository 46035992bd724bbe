extension ImageStoreError {
    /// The error's code from the short list the daemon's API uses at its boundary.
    public var code: String {
        switch self {
        case .imageNotFound, .snapshotNotFound, .noMatchingPlatform: "notFound"
        case .snapshotExists: "alreadyExists"
        case .invalidReference, .invalidArchive, .invalidDocument, .unsafeEntry,
            .digestMismatch, .sizeMismatch, .blobNotFound, .archive:
            "invalidArgument"
        case .several(let errors): errors.first?.code ?? "internal"
        case .system, .database, .layerEntry, .mount, .libraryUnavailable: "internal"
        }
    }
}
