import FoundationEssentials
import Glibc
import RuntimeKit
import SystemKit
import Testing

/// A bundle that belongs to `user`, in a private directory: the Alpine rootfs unpacked
/// by the user with tar, and the config.json that `runcs spec --rootless` writes for
/// the user, which a test then adjusts. `cleanUp()` deletes, as the user, whatever
/// container is left in `stateRoot`, then the directory.
final class RootlessBundle {
    let user: TemporaryUser
    let directory: String
    var path: String { "\(directory)/bundle" }
    var stateRoot: String { "\(directory)/state" }
    var configPath: String { "\(path)/config.json" }

    init(user: TemporaryUser) throws {
        try #require(FileSystem.exists(TestContainer.alpineTarball),
                     "Alpine rootfs missing: expected \(TestContainer.alpineTarball)")
        self.user = user
        directory = try TestContainer.temporaryDirectory(prefix: "runcs-rootless")
        chown(directory, user.uid, user.gid)
        let rootfs = "\(directory)/bundle/rootfs"
        for command in [["/bin/mkdir", "-p", rootfs],
                        ["/bin/tar", "-xzf", TestContainer.alpineTarball, "-C", rootfs],
                        [TestContainer.runcsPath, "spec", "--rootless", "-b", path]] {
            let result = try user.execute(command)
            try #require(result.status == 0, "\(command[0]): \(result.error)")
        }
    }

    /// Rewrites config.json with `args` on no terminal, and whatever `change` does.
    func configure(args: [String], _ change: (inout Spec) -> Void = { _ in }) throws {
        let written = try FileSystem.read(configPath)
        var spec = try JSONDecoder().decode(Spec.self, from: Data(written))
        spec.process?.terminal = false
        spec.process?.args = args
        change(&spec)
        try FileSystem.writeAtomically(configPath, Array(JSONEncoder().encode(spec)))
        chown(configPath, user.uid, user.gid)
    }

    func cleanUp() {
        for id in (try? FileSystem.listDirectory(stateRoot)) ?? [] {
            _ = try? user.execute([TestContainer.runcsPath, "--root", stateRoot, "delete",
                                   "--force", id])
        }
        try? FileSystem.removeTree(directory)
    }
}
