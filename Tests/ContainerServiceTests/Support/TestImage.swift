import Glibc
import Synchronization
import SystemKit
import Testing

/// The image the daemon tests run: the shared Alpine 3.20.3 OCI archive
/// (../shared/images), or, where that is missing, a busybox image built once by
/// scripts/make-busybox-image.sh.
final class TestImage: Sendable {
    static let shared = TestImage()

    static let sharedArchive = TestProcess.packageRoot()
        + "/../shared/images/alpine-3.20.3-multiarch.oci.tar"

    /// Whether the shared Alpine archive is there (tests that need Alpine's own files
    /// say so when it is not).
    let isAlpine: Bool
    let name: String
    let built = Mutex<String?>(nil)

    init() {
        isAlpine = FileSystem.exists(Self.sharedArchive)
        name = isAlpine ? "docker.io/library/alpine:3.20.3" : "docker.io/library/busybox:local"
    }

    /// The archive to import: the shared one, or a busybox image made once per run.
    func archive() throws -> String {
        if isAlpine {
            return Self.sharedArchive
        }
        return try built.withLock { path in
            if let path { return path }
            try? FileDescriptor.standardError.writeAll("""
                note: \(Self.sharedArchive) is missing: the daemon tests run a busybox \
                image built by scripts/make-busybox-image.sh instead

                """)
            let directory = try TestProcess.temporaryDirectory("cdt-image")
            let output = directory + "/busybox.tar"
            let result = try TestProcess.run(
                [TestProcess.packageRoot() + "/scripts/make-busybox-image.sh", output, name])
            try #require(result.status == 0, "make-busybox-image.sh failed: \(result.output)")
            path = output
            return output
        }
    }
}
