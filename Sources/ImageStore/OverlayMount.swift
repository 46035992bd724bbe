#if canImport(Glibc)
import Glibc
#endif
import CShim
import SystemKit

/// Mounts and unmounts for image views and probes.
public enum OverlayMount {
    /// Mounts an overlay at `target` through the new mount API, one `lowerdir+` per
    /// layer (topmost first); without `upper` the mount is read-only. An `ephemeral`
    /// one is "volatile": its upper directory is never synced (see `perform`).
    static func mount(at target: String, lowers: [String], upper: String?, work: String?,
                      ephemeral: Bool = false) throws(ImageStoreError)
    {
        if ephemeral, let work {
            // A volatile mount leaves this marker, which makes the kernel refuse any later
            // mount of the same directories: a root mounted again (after a reboot cleared
            // its mount) accepts whatever the crash lost, as volatile already did.
            try? FileSystem.removeTree(work + "/work/incompat")
        }
        var step: Int32 = 0
        var index: Int32 = -1
        let code = withCStrings(lowers) { pointers in
            cshim_overlay_mount(target, pointers, Int32(lowers.count), upper, work,
                                ephemeral ? 1 : 0, &step, &index)
        }
        guard code != 0 else { return }
        let names: [Int32: String] = [
            1: "fsopen", 2: "fsconfig lowerdir+", 3: "fsconfig upperdir",
            4: "fsconfig workdir", 5: "fsconfig create", 6: "fsmount", 7: "move_mount",
        ]
        var stepName = names[step] ?? "mount"
        if index >= 0 && Int(index) < lowers.count {
            stepName += " " + lowers[Int(index)]
        }
        throw .mount(what: "overlay on \(target)", step: stepName,
                     cause: SystemError(call: stepName, path: target, errno: errno))
    }

    /// Performs `mounts` (as `SnapshotStore.prepareActive` returns them) at `target`.
    ///
    /// `ephemeral` is for a root whose files are thrown away when its container ends
    /// (`--rm`): the overlay is mounted "volatile" (Linux 5.10), so neither the
    /// container's fsync calls nor the unmount sync the upper file system, which spares
    /// the removal the writeback of the whole disk (5 to 100 ms on a busy host). After
    /// a crash its files may miss writes, which an ephemeral root may.
    public static func perform(_ mounts: [Mount], at target: String, ephemeral: Bool = false)
        throws(ImageStoreError)
    {
        for mount in mounts {
            if mount.type == "overlay" {
                var lowers: [String] = []
                var upper: String?
                var work: String?
                for option in mount.options {
                    if option.hasPrefix("lowerdir=") {
                        lowers = option.dropFirst("lowerdir=".count)
                            .split(separator: ":").map(String.init)
                    } else if option.hasPrefix("upperdir=") {
                        upper = String(option.dropFirst("upperdir=".count))
                    } else if option.hasPrefix("workdir=") {
                        work = String(option.dropFirst("workdir=".count))
                    }
                }
                try self.mount(at: target, lowers: lowers, upper: upper, work: work,
                               ephemeral: ephemeral)
                continue
            }
            let readOnly = mount.options.contains("ro")
            try bind(mount.source, at: target, readOnly: readOnly)
        }
    }

    /// Bind mounts `source` at `target`, then makes it read-only when asked.
    static func bind(_ source: String, at target: String, readOnly: Bool)
        throws(ImageStoreError)
    {
        do {
            try Syscall.check("mount", path: target) {
                Glibc.mount(source, target, nil, UInt(MS_BIND | MS_REC), nil)
            }
            if readOnly {
                let flags = UInt(MS_BIND | MS_REMOUNT | MS_RDONLY)
                try Syscall.check("mount", path: target) {
                    Glibc.mount(nil, target, nil, flags, nil)
                }
            }
        } catch {
            throw .mount(what: "bind of \(source) on \(target)", step: "mount", cause: error)
        }
    }

    /// Unmounts `target`.
    public static func unmount(_ target: String) throws(ImageStoreError) {
        do {
            try Syscall.check("umount2", path: target) { umount2(target, 0) }
        } catch {
            throw .mount(what: target, step: "umount", cause: error)
        }
    }

    private static func withCStrings<R>(
        _ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R
    ) -> R {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { UnsafePointer($0) }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
