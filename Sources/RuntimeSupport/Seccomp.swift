#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CRuntimeSupport

/// Seccomp filters from OCI profiles, compiled by libseccomp, which is loaded at run time:
/// a binary linked with this library starts, and runs containers without seccomp, on a
/// host where libseccomp.so.2 is missing.
public enum Seccomp {
    /// What seccomp_syscall_resolve_name returns for a name it does not know.
    static let unknownSyscall: Int32 = -1

    /// Compiles the OCI `linux.seccomp` JSON in `profileJSON` and loads it into the calling
    /// process; see `SeccompFilter.load()` for what the caller must have done first.
    public static func load(profileJSON: [UInt8]) throws {
        try load(profile: SeccompProfile(json: profileJSON))
    }

    /// Compiles `profile` and loads it into the calling process.
    public static func load(profile: SeccompProfile) throws {
        try SeccompFilter(profile: profile).load()
    }

    /// Whether libseccomp.so.2 can be loaded.
    public static var isAvailable: Bool {
        crs_seccomp_open() == 0
    }

    /// The number of system call `name` on the native architecture; nil when libseccomp
    /// is missing or does not know the name.
    public static func syscallNumber(named name: String) -> Int32? {
        guard isAvailable else { return nil }
        let number = name.withCString { crs_seccomp_syscall_resolve_name($0) }
        return number == unknownSyscall ? nil : number
    }

    /// The actions, architectures and flags this library accepts, for `runcs features`.
    public static let supportedActions = [
        "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
        "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE",
        "SCMP_ACT_TRAP",
    ]
    public static let supportedFlags = [
        "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
        "SECCOMP_FILTER_FLAG_TSYNC",
    ]
    public static let supportedOperators = [
        "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT",
        "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE",
    ]
    public static let knownArchitectures = [
        "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_MIPS",
        "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64",
        "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE",
        "SCMP_ARCH_RISCV64", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_X32",
        "SCMP_ARCH_X86", "SCMP_ARCH_X86_64",
    ]

    /// Loads libseccomp or throws an error that names it.
    static func openLibrary() throws {
        if crs_seccomp_open() != 0 {
            let reason = crs_seccomp_load_error().map { String(cString: $0) }
                ?? "libseccomp.so.2: not found"
            throw SeccompError.libraryUnavailable(reason: reason)
        }
    }
}
