#if canImport(Glibc)
import Glibc
#endif

/// The `options` of a config.json mount split into what mount(2) takes: flags to set,
/// a propagation change (applied by its own call), and the filesystem's data string.
struct MountOptions: Equatable {
    var flags: UInt = 0
    var propagation: UInt = 0
    var data: [String] = []
    var isBind = false
    var isRecursive = false
    /// `tmpcopyup`, an extension runc and crun share and podman puts on every tmpfs:
    /// the new tmpfs starts with a copy of what the directory under it held.
    var copiesUp = false
    /// MOUNT_ATTR_* bits that "rro", "rnosuid", "rnodev" and "rnoexec" ask for on the
    /// mount and every mount below it (mount_setattr(2) with AT_RECURSIVE).
    var recursiveAttributes: UInt64 = 0

    /// The recursive options and their MOUNT_ATTR_* bits.
    static let recursive: [String: UInt64] = [
        "rro": 0x1, "rnosuid": 0x2, "rnodev": 0x4, "rnoexec": 0x8,
    ]

    init(_ options: [String]) {
        for option in options {
            if let attribute = Self.recursive[option] {
                recursiveAttributes |= attribute
            } else if let flag = Self.setting[option] {
                flags |= flag
            } else if let flag = Self.clearing[option] {
                flags &= ~flag
            } else if let flag = Self.propagations[option] {
                propagation = flag
            } else if option == "bind" {
                isBind = true
            } else if option == "rbind" {
                isBind = true
                isRecursive = true
            } else if option == "tmpcopyup" {
                copiesUp = true
            } else {
                data.append(option)
            }
        }
    }

    /// The flags beyond MS_BIND that a bind mount needs a remount for.
    var remountFlags: UInt {
        flags
    }

    var dataString: String {
        data.joined(separator: ",")
    }

    /// What a bind remount asking for `requested` must repeat of the flags the mount
    /// has (`statvfsFlags`, statvfs's f_flag): nosuid, nodev and noexec always; in a
    /// user namespace also read-only and the atime mode, which the kernel locks on the
    /// mounts a namespace got from a more privileged one, refusing (EPERM) a remount that
    /// would change them. An atime mode that `requested` names wins.
    static func keptOnRemount(_ statvfsFlags: UInt, requested: UInt, userNamespace: Bool)
        -> UInt
    {
        // ST_RDONLY, ST_NOSUID, ST_NODEV, ST_NOEXEC and ST_NOATIME, ST_NODIRATIME have
        // the values of their MS_ twins; ST_RELATIME does not.
        var kept = statvfsFlags & (ST_NOSUID | ST_NODEV | ST_NOEXEC)
        guard userNamespace else {
            return kept
        }
        kept |= statvfsFlags & ST_RDONLY
        let atimeModes = UInt(MS_NOATIME | MS_RELATIME | MS_STRICTATIME)
        if requested & atimeModes == 0 {
            if statvfsFlags & ST_NOATIME != 0 {
                kept |= UInt(MS_NOATIME)
            } else if statvfsFlags & ST_RELATIME != 0 {
                kept |= UInt(MS_RELATIME)
            } else {
                kept |= UInt(MS_STRICTATIME)
            }
            kept |= statvfsFlags & ST_NODIRATIME
        }
        return kept
    }

    static let setting: [String: UInt] = [
        "ro": UInt(MS_RDONLY), "nosuid": UInt(MS_NOSUID), "nodev": UInt(MS_NODEV),
        "noexec": UInt(MS_NOEXEC), "sync": UInt(MS_SYNCHRONOUS), "dirsync": UInt(MS_DIRSYNC),
        "mand": UInt(MS_MANDLOCK), "noatime": UInt(MS_NOATIME),
        "nodiratime": UInt(MS_NODIRATIME), "relatime": UInt(MS_RELATIME),
        "strictatime": UInt(MS_STRICTATIME), "silent": UInt(MS_SILENT),
    ]

    static let clearing: [String: UInt] = [
        "rw": UInt(MS_RDONLY), "suid": UInt(MS_NOSUID), "dev": UInt(MS_NODEV),
        "exec": UInt(MS_NOEXEC), "async": UInt(MS_SYNCHRONOUS), "nomand": UInt(MS_MANDLOCK),
        "atime": UInt(MS_NOATIME), "diratime": UInt(MS_NODIRATIME),
        "norelatime": UInt(MS_RELATIME), "nostrictatime": UInt(MS_STRICTATIME),
        "loud": UInt(MS_SILENT), "defaults": 0,
    ]

    static let propagations: [String: UInt] = [
        "private": UInt(MS_PRIVATE), "rprivate": UInt(MS_PRIVATE | MS_REC),
        "shared": UInt(MS_SHARED), "rshared": UInt(MS_SHARED | MS_REC),
        "slave": UInt(MS_SLAVE), "rslave": UInt(MS_SLAVE | MS_REC),
        "unbindable": UInt(MS_UNBINDABLE), "runbindable": UInt(MS_UNBINDABLE | MS_REC),
    ]

    /// `flags` spelled as the MS_ names, for error messages: "MS_BIND|MS_RDONLY".
    static func describe(_ flags: UInt) -> String {
        let names: [(UInt, String)] = [
            (UInt(MS_RDONLY), "MS_RDONLY"), (UInt(MS_NOSUID), "MS_NOSUID"),
            (UInt(MS_NODEV), "MS_NODEV"), (UInt(MS_NOEXEC), "MS_NOEXEC"),
            (UInt(MS_REMOUNT), "MS_REMOUNT"), (UInt(MS_BIND), "MS_BIND"),
            (UInt(MS_MOVE), "MS_MOVE"), (UInt(MS_REC), "MS_REC"),
            (UInt(MS_PRIVATE), "MS_PRIVATE"), (UInt(MS_SLAVE), "MS_SLAVE"),
            (UInt(MS_SHARED), "MS_SHARED"), (UInt(MS_UNBINDABLE), "MS_UNBINDABLE"),
            (UInt(MS_RELATIME), "MS_RELATIME"), (UInt(MS_STRICTATIME), "MS_STRICTATIME"),
            (UInt(MS_NOATIME), "MS_NOATIME"),
        ]
        let parts = names.filter { flags & $0.0 != 0 }.map(\.1)
        return parts.isEmpty ? "0" : parts.joined(separator: "|")
    }
}
