import Glibc
import SystemKit
import TestKit

/// Where the packaging tests find what they drive: the package root, the built binaries
/// beside the test bundle, and the shared Alpine material.
enum PackagingEnvironment {
    static var packageRoot: String { TestPaths.packageRoot }

    static var productsDirectory: String { TestPaths.productsDirectory }

    /// The binaries install.sh installs, all of which the build makes.
    static let binaries = ["contaird", "ctrs", "runcs", "contaird-monitor"]

    static func product(_ name: String) -> String { productsDirectory + "/" + name }

    /// The shared Alpine 3.20.3 minirootfs and `docker save` archive.
    static var alpineRootfsArchive: String {
        packageRoot + "/../shared/images/alpine-minirootfs-3.20.3-x86_64.tar.gz"
    }

    static var alpineImageArchive: String {
        packageRoot + "/../shared/images/alpine-3.20.3-amd64.docker.tar"
    }

    /// The binaries that are not built, as a sentence for a skipped test, or nil.
    static func missingBinaries(_ names: [String] = binaries) -> String? {
        let missing = names.filter { !FileSystem.exists(product($0)) }
        guard !missing.isEmpty else {
            return nil
        }
        return "not built in \(productsDirectory): \(missing.joined(separator: ", ")); "
            + "run swift build first"
    }

    static var isRoot: Bool { getuid() == 0 }

    /// Whether `program` is found in PATH.
    static func hasProgram(_ program: String) -> Bool {
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
        return path.split(separator: ":").contains { directory in
            access(String(directory) + "/" + program, X_OK) == 0
        }
    }

    /// A private directory under /tmp (short, for socket paths), made by mkdtemp.
    static func temporaryDirectory(_ prefix: String) throws -> String {
        try TestPaths.temporaryDirectory(prefix)
    }

    /// A short random suffix for names that must be unique on the machine.
    static func uniqueSuffix() -> String {
        let digits = Array("0123456789abcdefghijklmnopqrstuvwxyz")
        return String((0..<8).map { _ in digits[Int.random(in: 0..<digits.count)] })
    }

    /// Polls `condition` every 50 ms for at most `seconds`; whether it came true.
    static func eventually(_ seconds: Double = 10, _ condition: () throws -> Bool) rethrows
        -> Bool
    {
        var waited = 0.0
        while waited < seconds {
            if try condition() {
                return true
            }
            usleep(50_000)
            waited += 0.05
        }
        return try condition()
    }
}

extension PackagingEnvironment {
    /// Removes the cgroup `parent` (such as "/pkg-test-x1") from every hierarchy,
    /// innermost directories first.
    static func removeCgroups(_ parent: String) {
        guard let hierarchies = try? FileSystem.listDirectory("/sys/fs/cgroup") else {
            return
        }
        for hierarchy in hierarchies {
            removeCgroupTree("/sys/fs/cgroup/" + hierarchy + parent)
        }
    }

    private static func removeCgroupTree(_ path: String) {
        guard FileSystem.isDirectory(path) else {
            return
        }
        for entry in (try? FileSystem.listDirectory(path)) ?? [] {
            let child = path + "/" + entry
            if FileSystem.isDirectory(child) {
                removeCgroupTree(child)
            }
        }
        rmdir(path)
    }

    /// Whether `pid` is a live process (not gone, not a zombie).
    static func isAlive(_ pid: pid_t) -> Bool {
        guard let stat = try? FileSystem.readText("/proc/\(pid)/stat"),
              let close = stat.lastIndex(of: ")") else {
            return false
        }
        let state = stat[stat.index(close, offsetBy: 2)...].prefix(1)
        return state != "Z" && state != "X"
    }
}
