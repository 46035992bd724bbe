#if canImport(Glibc)
import Glibc
#endif

/// The root directories of the layer being applied (index 0) and of the layers beneath
/// it (topmost first). Lower roots are opened on first use, so applying a layer over a
/// tall stack opens only the directories its lookups reach.
final class LayerStack {
    private let lowerPaths: [String]
    private var descriptors: [Int32]

    /// `upper` stays owned by the caller; lower roots opened here are closed at the end.
    init(upper: Int32, lowerPaths: [String]) {
        self.lowerPaths = lowerPaths
        descriptors = [upper] + Array(repeating: -2, count: lowerPaths.count)
    }

    deinit {
        for fd in descriptors.dropFirst() where fd >= 0 {
            close(fd)
        }
    }

    /// How many roots, the upper one included.
    var count: Int { descriptors.count }

    /// The descriptor of root `index`, or -1 when it cannot be opened.
    func root(_ index: Int) -> Int32 {
        if descriptors[index] == -2 {
            descriptors[index] = open(lowerPaths[index - 1],
                                      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        }
        return descriptors[index]
    }
}
