import Glibc
import RuntimeKit
import SystemKit
import Testing

/// "rro" (and rnosuid, rnodev, rnoexec): the attribute reaches the mounts below a
/// recursive bind too, where plain "ro" stops at the top one.
@Suite struct RecursiveMountTests {
    @Test func rroMakesTheSubmountsReadonlyAndRoDoesNot() throws {
        let container = try TestContainer(args: ["sh", "-c",
            "touch /mnt/top 2>/dev/null || echo top-refused;"
            + " touch /mnt/sub/inner 2>/dev/null && echo sub-writable || echo sub-refused"])
        defer { container.cleanUp() }
        let volume = container.directory + "/volume"
        try FileSystem.createDirectory(volume)
        try #require(mount("none", volume, "tmpfs", 0, nil) == 0)
        defer { umount2(volume, Int32(MNT_DETACH)) }
        try FileSystem.createDirectory(volume + "/sub")
        try #require(mount("none", volume + "/sub", "tmpfs", 0, nil) == 0)
        defer { umount2(volume + "/sub", Int32(MNT_DETACH)) }
        try FileSystem.createDirectory(container.rootfs + "/mnt")

        func run(_ options: [String]) throws -> CommandResult {
            let plain = container.spec.mounts ?? []
            defer { container.spec.mounts = plain }
            container.spec.mounts = plain + [Spec.Mount(destination: "/mnt", type: "bind",
                                                        source: volume, options: options)]
            return try container.run()
        }

        let readonlyTop = try run(["rbind", "ro"])
        #expect(readonlyTop.output == "top-refused\nsub-writable\n", "\(readonlyTop.error)")
        let readonlyAll = try run(["rbind", "rro"])
        #expect(readonlyAll.output == "top-refused\nsub-refused\n", "\(readonlyAll.error)")
    }
}
