import Glibc
import SystemKit
import TestKit

/// Where the tests find what they drive: the built binaries beside the test bundle, the
/// package root, the shared Alpine archive, and whether this machine can run
/// containers at all.
enum CtrsEnvironment {
    static var packageRoot: String { TestPaths.packageRoot }

    static var productsDirectory: String { TestPaths.productsDirectory }

    static var ctrs: String { productsDirectory + "/ctrs" }
    static var contaird: String { productsDirectory + "/contaird" }
    static var runcs: String { productsDirectory + "/runcs" }

    /// The runtime the private daemons use by default: the bundled runcs, as the
    /// daemon's own default (Debian's runc with CONTAIRD_TEST_RUNTIME=runc).
    static let defaultRuntime = getenv("CONTAIRD_TEST_RUNTIME").map { String(cString: $0) }
        == "runc" ? "/usr/sbin/runc" : runcs

    /// The shared `docker save` archive of Alpine 3.20.3, when ../shared is there.
    static var alpineArchive: String {
        packageRoot + "/../shared/images/alpine-3.20.3-amd64.docker.tar"
    }

    static var hasAlpine: Bool { FileSystem.exists(alpineArchive) }

    /// Why the container tests cannot run here, or nil when they can.
    static let reasonToSkip: String? = {
        guard getuid() == 0 else {
            return "the ctrs tests run containers and need root"
        }
        for binary in [ctrs, contaird] where !FileSystem.exists(binary) {
            return "\(binary) is not built: run swift build first"
        }
        guard FileSystem.exists(defaultRuntime) else {
            return "\(defaultRuntime) is missing: build runcs, or install Debian's runc"
        }
        if !hasAlpine && !FileSystem.exists("/bin/busybox") {
            return "neither \(alpineArchive) nor busybox-static (for "
                + "scripts/make-busybox-image.sh) is available"
        }
        return nil
    }()

    static var canRun: Bool { reasonToSkip == nil }

    /// A private directory under /tmp, short enough for socket paths.
    static func temporaryDirectory(_ prefix: String) throws -> String {
        try TestPaths.temporaryDirectory(prefix)
    }

    /// A short random suffix for names that must be unique on the machine.
    static func uniqueSuffix() -> String {
        let digits = Array("0123456789abcdef")
        return String((0..<10).map { _ in digits[Int.random(in: 0..<16)] })
    }
}
