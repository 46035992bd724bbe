import Glibc
import RuntimeKit
import SystemKit
import Testing

extension TestContainer {
    /// The real Alpine 3.20.3 minirootfs from ../shared/images.
    static let alpineRootfsTarball =
        packageRoot() + "/../shared/images/alpine-minirootfs-3.20.3-x86_64.tar.gz"

    /// A TestContainer whose rootfs is Alpine, unpacked with tar, writable, running
    /// `args`.
    static func alpine(args: [String]) throws -> TestContainer {
        try #require(FileSystem.exists(alpineRootfsTarball),
                     "Alpine rootfs missing: expected \(alpineRootfsTarball) (the shared images)")
        let container = try TestContainer(args: args)
        try FileSystem.removeTree(container.rootfs)
        try FileSystem.createDirectory(container.rootfs)
        let unpack = try execute(["/bin/tar", "-xzf", alpineRootfsTarball, "-C", container.rootfs])
        try #require(unpack.status == 0, "tar: \(unpack.error)")
        container.spec.root?.readonly = false
        return container
    }

    /// Polls `condition` every 20 ms for up to `seconds`; whether it came true.
    func waitUntil(seconds: Double = 5, _ condition: () throws -> Bool) rethrows -> Bool {
        let rounds = Int(seconds * 50)
        for _ in 0..<rounds {
            if try condition() {
                return true
            }
            usleep(20_000)
        }
        return try condition()
    }

    /// The status `runcs state` reports for `id`, nil when it fails.
    func status(_ id: String) throws -> String? {
        let result = try runcs(["state", id])
        guard result.status == 0 else {
            return nil
        }
        let value = try JSONValue.parse(Array(result.output.utf8))
        return value["status"]?.string
    }
}
