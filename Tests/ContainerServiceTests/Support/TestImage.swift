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
    let built = Mutex<[UInt8]?>(nil)

    /// CONTAIRD_TEST_BUSYBOX=1 takes the busybox image even where Alpine's is present,
    /// to try the fallback.
    init() {
        isAlpine = FileSystem.exists(Self.sharedArchive)
            && getenv("CONTAIRD_TEST_BUSYBOX") == nil
        name = isAlpine ? "docker.io/library/alpine:3.20.3" : "docker.io/library/busybox:local"
    }

    /// The archive to import: the shared one, or the busybox image (made once per run,
    /// kept in memory) written into `directory`, which the caller removes.
    func archive(in directory: String) throws -> String {
        if isAlpine {
            return Self.sharedArchive
        }
        let bytes = try built.withLock { bytes in
            if let bytes { return bytes }
            try? FileDescriptor.standardError.writeAll("""
                note: \(Self.sharedArchive) is missing (or CONTAIRD_TEST_BUSYBOX is \
                set): the daemon tests run a busybox image built by \
                scripts/make-busybox-image.sh instead

                """)
            let work = try TestProcess.temporaryDirectory("cdt-image")
            defer { try? FileSystem.removeTree(work) }
            let output = work + "/busybox.tar"
            let result = try TestProcess.run(
                [TestProcess.packageRoot() + "/scripts/make-busybox-image.sh", output, name])
            try #require(result.status == 0, "make-busybox-image.sh failed: \(result.output)")
            let made = try FileSystem.read(output)
            bytes = made
            return made
        }
        let path = directory + "/busybox.tar"
        try FileSystem.writeAtomically(path, bytes)
        return path
    }
}
