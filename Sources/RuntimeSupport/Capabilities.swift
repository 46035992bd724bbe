#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CRuntimeSupport
import CShim
import SystemKit

/// Linux capabilities by name, and the call that gives the calling process exactly the
/// sets a container asks for.
public enum Capabilities {
    /// Every capability name Linux defines, indexed by number (capability(7)).
    static let names: [String] = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
        "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
        "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
        "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
        "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
        "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
        "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ]

    /// The number of capability `named` ("CAP_KILL", "kill", "cap_kill"); nil when unknown.
    public static func number(named: String) -> Int32? {
        var upper = named.uppercased()
        if !upper.hasPrefix("CAP_") {
            upper = "CAP_" + upper
        }
        return names.firstIndex(of: upper).map { Int32($0) }
    }

    /// The name of capability `number`, such as "CAP_KILL"; nil past the known ones.
    public static func name(of number: Int32) -> String? {
        number >= 0 && Int(number) < names.count ? names[Int(number)] : nil
    }

    /// The highest capability number the running kernel knows (/proc/sys/kernel/cap_last_cap).
    public static var lastSupported: Int32 {
        if let text = try? FileSystem.readText("/proc/sys/kernel/cap_last_cap"),
            let value = Int32(text.trimmingNewline())
        {
            return value
        }
        return Int32(names.count - 1)
    }

    /// The names of the capabilities this kernel knows.
    public static var all: [String] {
        let last = min(Int(lastSupported), names.count - 1)
        return Array(names[0...last])
    }

    /// The names of the bits set in `mask`, a capability mask as /proc/PID/status shows it.
    public static func names(inMask mask: UInt64) -> [String] {
        (0..<min(64, names.count)).filter { mask & (1 << UInt64($0)) != 0 }.map { names[$0] }
    }

    /// Whether the capabilities survive setuid from root to another user
    /// (`PR_SET_KEEPCAPS`). A container init sets it before setuid and then calls `apply`.
    public static func setKeepOnSetuid(_ keep: Bool) throws {
        try Syscall.check("prctl", path: "PR_SET_KEEPCAPS") {
            cshim_prctl(Prctl.setKeepCapabilities, keep ? 1 : 0, 0, 0, 0)
        }
    }

    /// Gives the calling thread the capabilities of `sets`: drops every capability outside
    /// the bounding set, sets the effective, permitted and inheritable sets in one capset,
    /// then raises the ambient ones. Returns warnings for what could not be granted.
    ///
    /// As the runtime spec asks (and runc does), a capability that cannot be granted is a
    /// warning, not a failure: a name Linux does not define, one newer than the running
    /// kernel, and an ambient capability the kernel refuses to raise (it must be both
    /// permitted and inheritable). A bounding set that cannot shrink or a capset the
    /// kernel refuses is an error: going on would give the container more than asked.
    ///
    /// Dropping from the bounding set needs CAP_SETPCAP in the effective set, so the
    /// bounding set goes first, while the process still has it; ambient capabilities must
    /// already be permitted and inheritable, so they go last.
    @discardableResult
    public static func apply(_ sets: CapabilitySets) throws -> [String] {
        let last = lastSupported
        var warnings: [String] = []
        let bounding = mask(sets.bounding, upTo: last, warnings: &warnings)
        let effective = mask(sets.effective, upTo: last, warnings: &warnings)
        let permitted = mask(sets.permitted, upTo: last, warnings: &warnings)
        let inheritable = mask(sets.inheritable, upTo: last, warnings: &warnings)
        let ambient = mask(sets.ambient, upTo: last, warnings: &warnings)

        // After setuid to another user (with PR_SET_KEEPCAPS) the effective set is empty
        // while the permitted one is kept: make the permitted ones effective again, so
        // that CAP_SETPCAP, if permitted, allows the bounding set to shrink.
        let held = try current()
        if held.effective != held.permitted {
            try setProcessSets(
                effective: held.permitted, permitted: held.permitted,
                inheritable: held.inheritable)
        }

        for number in 0...last where bounding & (1 << UInt64(number)) == 0 {
            if cshim_prctl(Prctl.dropFromBoundingSet, UInt(number), 0, 0, 0) != 0 {
                throw CapabilityError.refused(
                    call: "prctl PR_CAPBSET_DROP", capability: names[Int(number)],
                    errno: currentErrno())
            }
        }

        try setProcessSets(effective: effective, permitted: permitted, inheritable: inheritable)

        if cshim_prctl(Prctl.ambient, Prctl.ambientClearAll, 0, 0, 0) != 0 {
            throw CapabilityError.refused(
                call: "prctl PR_CAP_AMBIENT_CLEAR_ALL", capability: "ambient set",
                errno: currentErrno())
        }
        for number in 0...last where ambient & (1 << UInt64(number)) != 0 {
            if cshim_prctl(Prctl.ambient, Prctl.ambientRaise, UInt(number), 0, 0) != 0 {
                let reason = String(cString: strerror(currentErrno()))
                warnings.append(
                    "ambient capability \(names[Int(number)]) not raised: \(reason)"
                        + " (an ambient capability must also be permitted and inheritable)")
            }
        }

        // A name listed in several sets is reported once.
        var seen = Set<String>()
        return warnings.filter { seen.insert($0).inserted }
    }

    /// The bit mask of `names`. Names Linux does not define and names the kernel is too
    /// old for are left out, each with a warning.
    static func mask(_ names: [String], upTo last: Int32, warnings: inout [String]) -> UInt64 {
        var result: UInt64 = 0
        for name in names {
            guard let number = number(named: name) else {
                warnings.append("unknown capability \"\(name)\" ignored")
                continue
            }
            if number > last {
                warnings.append("capability \(name) is not known to this kernel, ignored")
                continue
            }
            result |= 1 << UInt64(number)
        }
        return result
    }

    /// capset(2) for the calling thread.
    private static func setProcessSets(effective: UInt64, permitted: UInt64, inheritable: UInt64)
        throws
    {
        if crs_capset(effective, permitted, inheritable) != 0 {
            let code = currentErrno()
            // capset names no culprit; list what was asked for so the user can compare it
            // with the capabilities the runtime holds.
            let asked = names(inMask: permitted | effective | inheritable)
            throw CapabilityError.refused(
                call: "capset", capability: asked.joined(separator: ","), errno: code)
        }
    }

    /// The effective, permitted and inheritable sets of process `pid` (0: this thread).
    public static func current(pid: pid_t = 0) throws -> (
        effective: UInt64, permitted: UInt64, inheritable: UInt64
    ) {
        var effective: UInt64 = 0
        var permitted: UInt64 = 0
        var inheritable: UInt64 = 0
        try Syscall.check("capget", path: "pid \(pid)") {
            crs_capget(pid, &effective, &permitted, &inheritable)
        }
        return (effective, permitted, inheritable)
    }
}

/// The prctl(2) options used here, with the values of <linux/prctl.h> (part of the kernel's
/// ABI), which the C library headers do not hand to Swift.
enum Prctl {
    static let setKeepCapabilities: Int32 = 8
    static let dropFromBoundingSet: Int32 = 24
    static let setNoNewPrivileges: Int32 = 38
    static let ambient: Int32 = 47
    static let ambientRaise: UInt = 2
    static let ambientClearAll: UInt = 4
}
