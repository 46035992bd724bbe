#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CShim

extension FileDescriptor {
    /// Opens `path` as if `root` were `/`: `..`, absolute symbolic links and relative ones
    /// all resolve inside `root`, never above it (openat2 with RESOLVE_IN_ROOT, Linux 5.6+).
    /// Magic links such as `/proc/self/fd/N` are refused.
    public static func open(
        _ path: String,
        _ flags: Int32,
        mode: mode_t = 0o644,
        inRoot root: FileDescriptor
    ) throws(SystemError) -> FileDescriptor {
        // struct open_how { u64 flags; u64 mode; u64 resolve; }
        let resolveInRoot: UInt64 = 0x10
        let resolveNoMagicLinks: UInt64 = 0x02
        var how: (UInt64, UInt64, UInt64) = (
            UInt64(UInt32(bitPattern: flags | O_CLOEXEC)),
            (flags & O_CREAT) != 0 ? UInt64(mode) : 0,
            resolveInRoot | resolveNoMagicLinks
        )
        let openat2Number = 437
        let fd = try Syscall.check("openat2", path: path) {
            path.withCString { cPath in
                withUnsafeMutablePointer(to: &how) { howPointer in
                    Int32(truncatingIfNeeded: cshim_syscall6(
                        openat2Number, Int(root.rawValue),
                        Int(bitPattern: UnsafeRawPointer(cPath)),
                        Int(bitPattern: UnsafeRawPointer(howPointer)), 24, 0, 0))
                }
            }
        }
        return FileDescriptor(rawValue: fd)
    }
}
