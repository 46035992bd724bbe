#if canImport(Glibc)
import Glibc
#endif
import CArchive

/// What a tar entry says about one file, copied out of libarchive's entry.
struct TarEntry {
    /// The path as written in the archive.
    var path: String
    /// The file type bits (S_IFREG, S_IFDIR, ...).
    var type: mode_t
    /// Permission bits including setuid, setgid and sticky.
    var permissions: mode_t
    var uid: uid_t
    var gid: gid_t
    var accessTime: timespec
    var modificationTime: timespec
    var size: Int64
    /// Where a symbolic link points, as written.
    var symlinkTarget: String?
    /// The path a hard link entry links to, as written.
    var hardlinkTarget: String?
    var deviceMajor: UInt32
    var deviceMinor: UInt32
    /// Extended attributes, such as `security.capability`.
    var extendedAttributes: [(name: String, value: [UInt8])]

    init(_ entry: OpaquePointer) {
        path = archive_entry_pathname(entry).map { String(cString: $0) } ?? ""
        let mode = archive_entry_mode(entry)
        type = mode & S_IFMT
        permissions = mode & 0o7777
        uid = uid_t(truncatingIfNeeded: archive_entry_uid(entry))
        gid = gid_t(truncatingIfNeeded: archive_entry_gid(entry))
        modificationTime = timespec(tv_sec: Int(archive_entry_mtime(entry)),
                                    tv_nsec: Int(archive_entry_mtime_nsec(entry)))
        if archive_entry_atime_is_set(entry) != 0 {
            accessTime = timespec(tv_sec: Int(archive_entry_atime(entry)),
                                  tv_nsec: Int(archive_entry_atime_nsec(entry)))
        } else {
            accessTime = modificationTime
        }
        size = archive_entry_size(entry)
        symlinkTarget = archive_entry_symlink(entry).map { String(cString: $0) }
        hardlinkTarget = archive_entry_hardlink(entry).map { String(cString: $0) }
        deviceMajor = UInt32(archive_entry_rdevmajor(entry))
        deviceMinor = UInt32(archive_entry_rdevminor(entry))
        extendedAttributes = []
        archive_entry_xattr_reset(entry)
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var length = 0
        while archive_entry_xattr_next(entry, &name, &value, &length) == ARCHIVE_OK {
            guard let name else { continue }
            let bytes = value.map { Array(UnsafeRawBufferPointer(start: $0, count: length)) }
            extendedAttributes.append((String(cString: name), bytes ?? []))
        }
    }
}
