import ImageSpec

/// What a garbage collection removed.
public struct GarbageCollection: Sendable, Equatable {
    public var removedBlobs: [Digest]
    public var removedSnapshots: [String]
}
