import CRuntimeSupport

/// What the libseccomp of this host can do, for `runcs features`.
extension Seccomp {
    /// The version of the loaded libseccomp ("2.5.4"); nil when it cannot be loaded.
    public static var libraryVersion: String? {
        var major: UInt32 = 0
        var minor: UInt32 = 0
        var micro: UInt32 = 0
        guard crs_seccomp_version(&major, &minor, &micro) == 0 else {
            return nil
        }
        return "\(major).\(minor).\(micro)"
    }

    /// The names of `knownArchitectures` that the loaded libseccomp resolves; empty
    /// without libseccomp.
    public static var resolvableArchitectures: [String] {
        guard isAvailable else {
            return []
        }
        return knownArchitectures.filter { name in
            SeccompFilter.libraryArchitectureName(name)
                .withCString { crs_seccomp_arch_resolve_name($0) } != 0
        }
    }

    /// The filter flags of `supportedFlags` that libseccomp and the running kernel
    /// both support, by libseccomp's API level.
    public static var usableFlags: [String] {
        let level = crs_seccomp_api_level()
        let needed: [String: UInt32] = [
            "SECCOMP_FILTER_FLAG_TSYNC": 2, "SECCOMP_FILTER_FLAG_LOG": 3,
            "SECCOMP_FILTER_FLAG_SPEC_ALLOW": 4,
        ]
        return supportedFlags.filter { level >= needed[$0, default: UInt32.max] }
    }
}
