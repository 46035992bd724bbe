import ImageSpec

/// One step of one blob's download, for progress bars (on a TTY) or lines (elsewhere).
public struct PullProgress: Sendable {
    public enum Phase: Sendable, Equatable {
        /// Queued behind other downloads.
        case waiting
        /// Bytes are arriving; `completed` counts those verified so far.
        case downloading
        /// The store already had the blob: nothing to fetch.
        case exists
        /// Fetched, verified and committed.
        case done
    }

    public var descriptor: Descriptor
    public var phase: Phase
    public var completed: Int64
    public var total: Int64

    public init(descriptor: Descriptor, phase: Phase, completed: Int64, total: Int64) {
        self.descriptor = descriptor
        self.phase = phase
        self.completed = completed
        self.total = total
    }
}

/// Called from the download threads, so it must be safe to call concurrently.
public typealias PullProgressHandler = @Sendable (PullProgress) -> Void
