import Glibc
import RuntimeKit
import SystemKit
import Testing

/// The `tmpcopyup` mount option, which podman puts on every tmpfs it asks for (`--tmpfs`,
/// and /run, /tmp, /var/tmp of `--read-only`): the tmpfs starts as a copy of the
/// directory it covers.
@Suite struct TmpfsCopyUpTests {
    /// Every entry below /etc with its kind, mode, owner, time and link target, then the
    /// checksum of every regular file, as busybox prints them.
    static let listing = """
        cd /etc && find . -mindepth 1 | sort | while read -r f; do
          stat -c '%N %F %a %u:%g %Y' "$f"; done
        find . -type f | sort | xargs md5sum
        """

    @Test func aTmpfsOverEtcStartsAsAnExactCopyAndTakesWrites() throws {
        let container = try TestContainer.alpine(args: ["/bin/sh", "-c", Self.listing])
        defer { container.cleanUp() }
        // Kinds and modes Alpine's /etc lacks: a fifo, and a set-uid file of another
        // owner (a chown after the chmod would clear its set-uid bit).
        let fifo = container.rootfs + "/etc/copy-fifo"
        #expect(mkfifo(fifo, 0o600) == 0 && chmod(fifo, 0o620) == 0)
        let owned = container.rootfs + "/etc/copy-owned"
        try FileSystem.writeAtomically(owned, text: "owned\n")
        #expect(chown(owned, 1000, 1001) == 0 && chmod(owned, 0o6754) == 0)
        let plain = try container.run()
        try #require(plain.status == 0, "\(plain.error)")
        #expect(plain.output.contains("'./mtab' -> '/proc/mounts' symbolic link 777 0:0"),
                "\(plain.output)")
        #expect(plain.output.contains("./copy-fifo fifo 620 0:0"), "\(plain.output)")
        #expect(plain.output.contains("./copy-owned regular file 6754 1000:1001"),
                "\(plain.output)")

        container.spec.mounts = (container.spec.mounts ?? []) + [
            Spec.Mount(destination: "/etc", type: "tmpfs", source: "tmpfs",
                       options: ["nosuid", "nodev", "tmpcopyup"]),
        ]
        container.spec.process?.args = ["/bin/sh", "-c", Self.listing + """

            grep -c '^tmpfs /etc tmpfs' /proc/mounts
            echo written > /etc/copy-written && cat /etc/copy-written
            """]
        let copied = try container.run()
        try #require(copied.status == 0, "\(copied.error)")
        #expect(copied.output == plain.output + "1\nwritten\n")
        #expect(!FileSystem.exists(container.rootfs + "/etc/copy-written"))
    }

    @Test func aReadOnlyTmpfsIsFilledBeforeItTurnsReadOnly() throws {
        let script = "cat /etc/apk/arch; touch /etc/apk/new 2>&1; "
            + "grep '^tmpfs /etc/apk ' /proc/mounts | cut -d' ' -f4 | cut -d, -f1"
        let container = try TestContainer.alpine(args: ["/bin/sh", "-c", script])
        defer { container.cleanUp() }
        container.spec.mounts = (container.spec.mounts ?? []) + [
            Spec.Mount(destination: "/etc/apk", type: "tmpfs", source: "tmpfs",
                       options: ["ro", "tmpcopyup"]),
        ]

        let result = try container.run()

        #expect(result.status == 0, "\(result.error)")
        #expect(result.output == """
            x86_64
            touch: /etc/apk/new: Read-only file system
            ro

            """)
    }
}
