#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension Seccomp {
    /// The profile `runcs spec` writes and containers get when asked for "the default":
    /// every call is allowed except those that reach kernel state a container does not own
    /// or that widen the kernel's attack surface, which fail with EPERM.
    ///
    /// It blocks the calls Docker documents as blocked by its default profile: kernel
    /// modules and kexec, reboot, swap, accounting, the clock, keyrings, mounts (old and
    /// new API) and pivot_root, namespace creation and joining (unshare, setns, clone with
    /// a CLONE_NEW* flag), bpf, perf_event_open, userfaultfd, NUMA placement, I/O ports,
    /// vm86, file handles, quotas, syslog, io_uring, obsolete calls; ptrace and
    /// process_vm_readv/writev only on kernels before 4.8, whose seccomp could be bypassed
    /// through ptrace. clone3 returns ENOSYS, so the C library falls back to clone, whose
    /// flags a filter can see.
    public static var defaultProfile: SeccompProfile {
        var blocked = [
            "acct", "add_key", "bpf", "clock_adjtime", "clock_adjtime64", "clock_settime",
            "clock_settime64", "create_module", "delete_module", "finit_module",
            "fsconfig", "fsmount", "fsopen", "fspick", "get_kernel_syms", "get_mempolicy",
            "init_module", "io_uring_enter", "io_uring_register", "io_uring_setup",
            "ioperm", "iopl", "kexec_file_load", "kexec_load", "keyctl", "lookup_dcookie",
            "mbind", "mount", "mount_setattr", "move_mount", "move_pages",
            "name_to_handle_at", "nfsservctl", "open_by_handle_at", "open_tree",
            "perf_event_open", "pivot_root", "query_module", "quotactl", "quotactl_fd",
            "reboot", "request_key", "set_mempolicy", "setns", "settimeofday", "stime",
            "swapoff", "swapon", "_sysctl", "sysfs", "syslog", "umount", "umount2",
            "unshare", "uselib", "userfaultfd", "ustat", "vhangup", "vm86", "vm86old",
        ]
        if !kernelIsAtLeast(4, 8) {
            blocked += ["ptrace", "process_vm_readv", "process_vm_writev"]
        }

        // CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET: one condition
        // per flag on the first argument, so any of them set makes clone fail.
        let namespaceFlags: [UInt64] = [
            0x0002_0000, 0x0200_0000, 0x0400_0000, 0x0800_0000, 0x1000_0000, 0x2000_0000,
            0x4000_0000,
        ]
        let cloneConditions = namespaceFlags.map { flag in
            SeccompArgument(index: 0, value: flag, valueTwo: flag, op: "SCMP_CMP_MASKED_EQ")
        }

        return SeccompProfile(
            defaultAction: "SCMP_ACT_ALLOW",
            architectures: nativeArchitectures,
            syscalls: [
                SeccompRule(names: blocked, action: "SCMP_ACT_ERRNO", errnoRet: UInt32(EPERM)),
                SeccompRule(
                    names: ["clone"], action: "SCMP_ACT_ERRNO", errnoRet: UInt32(EPERM),
                    args: cloneConditions),
                SeccompRule(names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: UInt32(ENOSYS)),
            ])
    }

    /// `defaultProfile` as OCI `linux.seccomp` JSON.
    public static var defaultProfileJSON: [UInt8] {
        Array(defaultProfile.jsonText.utf8)
    }

    /// The architectures a filter for this machine covers: the native one and the ones
    /// its processes can also run (32-bit x86 and x32 on x86-64, arm on aarch64).
    static var nativeArchitectures: [String] {
        switch machine {
        case "x86_64":
            return ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]
        case "aarch64":
            return ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]
        default:
            return []
        }
    }

    /// uname's machine, such as "x86_64".
    static var machine: String {
        var names = utsname()
        uname(&names)
        return withUnsafeBytes(of: names.machine) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// Whether the running kernel's release is at least major.minor.
    static func kernelIsAtLeast(_ major: Int, _ minor: Int) -> Bool {
        var names = utsname()
        uname(&names)
        let release = withUnsafeBytes(of: names.release) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        let numbers = release.split(whereSeparator: { !$0.isNumber }).prefix(2)
            .compactMap { Int($0) }
        guard numbers.count == 2 else { return false }
        return (numbers[0], numbers[1]) >= (major, minor)
    }
}

extension SeccompProfile {
    /// The profile as OCI `linux.seccomp` JSON text.
    public var jsonText: String {
        var fields = ["\"defaultAction\":" + quoted(defaultAction)]
        if let defaultErrnoRet {
            fields.append("\"defaultErrnoRet\":\(defaultErrnoRet)")
        }
        fields.append("\"architectures\":" + list(architectures.map(quoted)))
        if !flags.isEmpty {
            fields.append("\"flags\":" + list(flags.map(quoted)))
        }
        let rules = syscalls.map { rule in
            var parts = [
                "\"names\":" + list(rule.names.map(quoted)),
                "\"action\":" + quoted(rule.action),
            ]
            if let errnoRet = rule.errnoRet {
                parts.append("\"errnoRet\":\(errnoRet)")
            }
            if !rule.args.isEmpty {
                let args = rule.args.map { argument in
                    "{\"index\":\(argument.index),\"value\":\(argument.value),"
                        + "\"valueTwo\":\(argument.valueTwo),\"op\":\(quoted(argument.op))}"
                }
                parts.append("\"args\":" + list(args))
            }
            return "{" + parts.joined(separator: ",") + "}"
        }
        fields.append("\"syscalls\":" + list(rules))
        return "{" + fields.joined(separator: ",") + "}"
    }

    private func list(_ items: [String]) -> String {
        "[" + items.joined(separator: ",") + "]"
    }

    private func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
