import Glibc
import CShim
import ImageSpec
import Testing
@testable import ImageStore
import SystemKit

/// Each layer applied against the view of the layers beneath, checked through a
/// read-only mount of the image, with both snapshotters.
@Suite struct LayeringTests {
    static let snapshotters: [SnapshotterKind] = [.overlay, .copy]

    /// Imports the image `layers` (Python) and calls `check` with a mounted view.
    func withImage(_ snapshotter: SnapshotterKind, _ layers: String,
                   prepare: (String) throws -> String = { _ in "" },
                   _ check: (String) throws -> Void) throws {
        let store = try TestStore(snapshotter: snapshotter)
        defer { store.close() }
        let setup = try prepare(store.directory)
        let archive = store.directory + "/layers.tar"
        try TestSupport.buildImage(store.directory, archive,
                                   setup + "\nimage(OUT, 'test/layers:1', \(layers))")
        try store.service.importArchive(path: archive)
        let view = try store.mount("test/layers:1")
        defer { try? store.unmount(view) }
        try check(view)
    }

    static func names(_ path: String) throws -> Set<String> {
        Set(try FileSystem.listDirectory(path))
    }

    static func status(_ path: String) -> stat {
        var status = stat()
        lstat(path, &status)
        return status
    }

    @Test(arguments: snapshotters)
    func directoryDeletedAndRecreatedInOneLayer(_ snapshotter: SnapshotterKind) throws {
        try withImage(snapshotter, """
            [[d('a'), f('a/old', 'old'), d('b'), f('b/keep')],
             [f('.wh.a'), d('a'), f('a/new', 'new')]]
            """) { (view: String) throws in
            #expect(try Self.names(view + "/a") == ["new"])
            #expect(try Self.names(view + "/b") == ["keep"])
        }
    }

    @Test(arguments: snapshotters)
    func whiteoutAfterItsRecreationInTheSameLayerHidesOnlyLowerContent(
        _ snapshotter: SnapshotterKind
    ) throws {
        try withImage(snapshotter, """
            [[d('a'), f('a/old', 'old'), f('plain', 'lower')],
             [d('a'), f('a/new', 'new'), f('plain', 'upper'), f('.wh.a'), f('.wh.plain')]]
            """) { (view: String) throws in
            #expect(try Self.names(view + "/a") == ["new"])
            #expect(try FileSystem.readText(view + "/plain") == "upper")
        }
    }

    @Test(arguments: snapshotters)
    func hardLinkToALowerLayerFile(_ snapshotter: SnapshotterKind) throws {
        try withImage(snapshotter, """
            [[d('bin'), f('bin/tool', 'data', mode=0o755, uid=7)],
             [h('bin/alias', 'bin/tool')]]
            """) { (view: String) throws in
            #expect(try FileSystem.readText(view + "/bin/alias") == "data")
            let alias = Self.status(view + "/bin/alias")
            let tool = Self.status(view + "/bin/tool")
            #expect(alias.st_nlink == 2)
            #expect(alias.st_ino == tool.st_ino)
            #expect(alias.st_uid == 7 && alias.st_mode & 0o7777 == 0o755)
        }
    }

    @Test(arguments: snapshotters)
    func writeThroughALowerLayerSymlink(_ snapshotter: SnapshotterKind) throws {
        try withImage(snapshotter, """
            [[d('usr', mode=0o711), d('usr/lib'), l('lib', 'usr/lib')],
             [f('lib/x', 'y')]]
            """) { (view: String) throws in
            #expect(try FileSystem.readText(view + "/usr/lib/x") == "y")
            #expect((Self.status(view + "/lib").st_mode & S_IFMT) == S_IFLNK)
            #expect(Self.status(view + "/usr").st_mode & 0o7777 == 0o711)
        }
    }

    @Test(arguments: snapshotters)
    func directoryReplacedByFileAndBack(_ snapshotter: SnapshotterKind) throws {
        try withImage(snapshotter, """
            [[d('p'), f('p/child'), f('q', 'file')],
             [f('p', 'now a file'), d('q'), f('q/inside')],
             [d('p'), f('p/again')]]
            """) { (view: String) throws in
            #expect(try Self.names(view + "/p") == ["again"])
            #expect(try Self.names(view + "/q") == ["inside"])
        }
    }

    @Test(arguments: snapshotters)
    func symlinkReplacedByADirectoryBetweenTwoWritesThroughIt(
        _ snapshotter: SnapshotterKind
    ) throws {
        try withImage(snapshotter, """
            [[d('usr'), d('usr/lib'), l('lib', 'usr/lib')],
             [f('lib/a', 'through the link'), d('lib'), f('lib/b', 'in the directory')]]
            """) { (view: String) throws in
            #expect(try FileSystem.readText(view + "/usr/lib/a") == "through the link")
            #expect(try Self.names(view + "/lib") == ["b"])
            #expect(!FileSystem.exists(view + "/usr/lib/b"))
        }
    }

    @Test(arguments: snapshotters)
    func duplicateEntriesLastWins(_ snapshotter: SnapshotterKind) throws {
        try withImage(snapshotter, """
            [[f('dup', 'one'), f('dup', 'two', mode=0o600), d('x'), f('x', 'file'),
              f('y', 'file'), d('y'), f('y/z')]]
            """) { (view: String) throws in
            #expect(try FileSystem.readText(view + "/dup") == "two")
            #expect(Self.status(view + "/dup").st_mode & 0o777 == 0o600)
            #expect(try FileSystem.readText(view + "/x") == "file")
            #expect(try Self.names(view + "/y") == ["z"])
        }
    }

    @Test(arguments: snapshotters)
    func whiteoutsAndOpaqueDirectories(_ snapshotter: SnapshotterKind) throws {
        try withImage(snapshotter, """
            [[f('gone'), d('o'), f('o/old'), d('m'), f('m/lower')],
             [f('.wh.gone'), d('o'), f('o/.wh..wh..opq'), f('o/new'), f('m/upper')],
             []]
            """) { (view: String) throws in
            #expect(!FileSystem.exists(view + "/gone"))
            #expect(try Self.names(view + "/o") == ["new"])
            #expect(try Self.names(view + "/m") == ["lower", "upper"])
        }
    }

    @Test(arguments: snapshotters)
    func longNamesOwnersModesDevicesAndTimes(_ snapshotter: SnapshotterKind) throws {
        let long = "deep/" + String(repeating: "n", count: 150) + "/"
            + String(repeating: "m", count: 120)
        try withImage(snapshotter, """
            [[d('deep'), d('deep/\(String(repeating: "n", count: 150))'),
              f('\(long)', 'long'),
              f('suid', 'x', mode=0o4755, uid=100000, gid=200000),
              dev('null', tarfile.CHRTYPE, 1, 3, mode=0o666),
              dev('sda', tarfile.BLKTYPE, 8, 0),
              dev('pipe', tarfile.FIFOTYPE, 0, 0, mode=0o620)]]
            """) { (view: String) throws in
            #expect(try FileSystem.readText(view + "/" + long) == "long")
            let suid = Self.status(view + "/suid")
            #expect(suid.st_mode & 0o7777 == 0o4755)
            #expect(suid.st_uid == 100000 && suid.st_gid == 200000)
            #expect(suid.st_mtim.tv_sec == 1_700_000_000)
            let null = Self.status(view + "/null")
            #expect((null.st_mode & S_IFMT) == S_IFCHR && null.st_rdev == makedevice(1, 3))
            #expect(null.st_mode & 0o777 == 0o666)
            #expect((Self.status(view + "/sda").st_mode & S_IFMT) == S_IFBLK)
            #expect((Self.status(view + "/pipe").st_mode & S_IFMT) == S_IFIFO)
        }
    }

    @Test(arguments: snapshotters)
    func sparseFilesAndExtendedAttributesFromGNUTar(_ snapshotter: SnapshotterKind) throws {
        // security.capability v2: effective, permitted cap_net_raw.
        let capability: [UInt8] = [1, 0, 0, 2, 0, 0x20, 0, 0] + [UInt8](repeating: 0, count: 12)
        try withImage(snapshotter, "[open(LAYER_GNU, 'rb').read(), open(LAYER_PAX, 'rb').read()]",
                      prepare: { directory in
            let tree = directory + "/tree"
            try FileSystem.createDirectory(tree)
            let sparse = open(tree + "/sparse", O_WRONLY | O_CREAT, 0o644)
            ftruncate(sparse, 8 << 20)
            _ = pwrite(sparse, "end", 3, (8 << 20) - 3)
            _ = pwrite(sparse, "start", 5, 0)
            close(sparse)
            try FileSystem.writeAtomically(tree + "/ping", text: "binary")
            #expect(setxattr(tree + "/ping", "security.capability", capability,
                             capability.count, 0) == 0)
            #expect(setxattr(tree + "/ping", "user.note", "hello", 5, 0) == 0)
            #expect(TestSupport.run(["tar", "--sparse", "--format=gnu", "-cf",
                                     directory + "/gnu.tar", "-C", tree, "sparse"]) == 0)
            #expect(TestSupport.run(["tar", "--sparse", "--format=posix", "--xattrs",
                                     "--xattrs-include=*", "-cf", directory + "/pax.tar",
                                     "-C", tree, "ping", "sparse"]) == 0)
            return "LAYER_GNU = '\(directory)/gnu.tar'\nLAYER_PAX = '\(directory)/pax.tar'"
        }) { (view: String) throws in
            let sparse = Self.status(view + "/sparse")
            #expect(sparse.st_size == 8 << 20)
            #expect(sparse.st_blocks * 512 < 1 << 20, "holes were filled")
            let bytes = try FileSystem.read(view + "/sparse")
            #expect(Array(bytes.prefix(5)) == Array("start".utf8))
            #expect(Array(bytes.suffix(3)) == Array("end".utf8))
            var value = [UInt8](repeating: 0, count: 64)
            let length = getxattr(view + "/ping", "security.capability", &value, 64)
            #expect(length == capability.count)
            #expect(Array(value.prefix(max(0, length))) == capability)
            #expect(getxattr(view + "/ping", "user.note", &value, 64) == 5)
        }
    }

    @Test func zstdAndUncompressedLayersByMediaType() throws {
        let store = try TestStore()
        defer { store.close() }
        let archive = store.directory + "/zstd.tar"
        try TestSupport.buildImage(store.directory, archive, """
            image(OUT, 'test/zstd:1', [[d('z'), f('z/one', 'zstd' * 1000)]], compress='zstd')
            """)
        let plain = store.directory + "/plain.tar"
        try TestSupport.buildImage(store.directory, plain, """
            image(OUT, 'test/plain:1', [[f('two', 'plain')]], compress=False)
            """)

        try store.service.importArchive(path: archive)
        try store.service.importArchive(path: plain)

        let inspection = try store.service.inspect("test/zstd:1")
        #expect(inspection.manifest.layers.first?.mediaType == MediaType.ociLayerZstd)
        let view = try store.mount("test/zstd:1")
        defer { try? store.unmount(view) }
        #expect(try FileSystem.readText(view + "/z/one")
            == String(repeating: "zstd", count: 1000))
        let plainView = try store.mount("test/plain:1")
        defer { try? store.unmount(plainView) }
        #expect(try FileSystem.readText(plainView + "/two") == "plain")
    }

    @Test func moreLayersThanOverlayStacksAreFlattened() throws {
        let store = try TestStore(snapshotter: .overlay)
        defer { store.close() }
        let archive = store.directory + "/tall.tar"
        try TestSupport.buildImage(store.directory, archive, """
            image(OUT, 'test/tall:1', [[f('f%d' % i, str(i))] for i in range(505)],
                  compress=False)
            """)
        try store.service.importArchive(path: archive)

        let key = "container-\(getpid())-tall"
        let mounts = try store.service.prepareRoot(image: "test/tall:1", key: key)
        defer { try? store.service.removeRoot(key: key) }
        #expect(mounts.first?.type == "bind")
        let root = try #require(mounts.first?.source)
        #expect(try FileSystem.listDirectory(root).count == 505)
        #expect(try FileSystem.readText(root + "/f504") == "504")
        #expect(try FileSystem.readText(root + "/f0") == "0")
    }
}

func makedevice(_ major: UInt32, _ minor: UInt32) -> dev_t {
    dev_t(major) << 8 | dev_t(minor)
}
