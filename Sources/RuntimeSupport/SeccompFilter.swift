#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CRuntimeSupport

/// A seccomp filter compiled by libseccomp from a `SeccompProfile`, not yet loaded.
///
/// Compiling early and loading late lets a runtime report a bad profile before it starts
/// the container, and load the filter as the last step before exec, when nothing the
/// filter forbids is needed any more. The filter is owned by one thread; it is not
/// Sendable.
public final class SeccompFilter {
    private let context: UnsafeMutableRawPointer
    /// SECCOMP_FILTER_FLAG_* bits of the profile's flags, passed to seccomp(2).
    private var installFlags: UInt32 = 0
    /// Whether a rule notifies an agent: the filter then comes with a listener.
    public private(set) var notifies = false
    /// Whether calls newer than libseccomp's table fail with ENOSYS rather than meet the
    /// default action: when that action refuses, which a newer libc would take as "not
    /// permitted" instead of "not there", and so not fall back to an older call.
    private let answersNewCallsWithENOSYS: Bool

    /// libseccomp's attribute numbers (`enum scmp_filter_attr`, part of its ABI).
    private enum Attribute {
        static let noNewPrivileges: Int32 = 3
    }

    /// Compiles `profile`. Throws when libseccomp is missing or the profile names an
    /// action, architecture, flag or operator that cannot be honoured.
    public init(profile: SeccompProfile) throws {
        try Seccomp.openLibrary()

        // An agent answers calls a rule names; it cannot stand behind every call.
        guard profile.defaultAction != "SCMP_ACT_NOTIFY" else {
            throw SeccompError.unsupportedAction(profile.defaultAction)
        }
        let defaultAction = try Self.action(profile.defaultAction, profile.defaultErrnoRet)
        guard let context = crs_seccomp_init(defaultAction) else {
            throw SeccompError.libraryCallFailed(
                call: "seccomp_init", subject: profile.defaultAction, errno: EINVAL)
        }
        self.context = context
        let allowing: Set<UInt32> = [0x7FFF_0000, 0x7FFC_0000]
        let unknownIsAlreadyENOSYS = defaultAction == 0x0005_0000 | UInt32(ENOSYS)
        answersNewCallsWithENOSYS = !allowing.contains(defaultAction)
            && defaultAction & 0xFFFF_0000 != 0x7FF0_0000 && !unknownIsAlreadyENOSYS

        // Once every property is set a throw runs deinit, which releases the context.
        try configure(profile)
        try addRules(profile, defaultAction: defaultAction)
    }

    deinit {
        crs_seccomp_release(context)
    }

    /// Installs the filter on the calling thread (every thread with the TSYNC flag).
    ///
    /// The filter does not set no_new_privs itself (OCI `process.noNewPrivileges` decides
    /// that), so a caller without CAP_SYS_ADMIN must have set it first.
    ///
    /// Returns the listener descriptor when a rule notifies an agent (`notifies`).
    @discardableResult
    public func load() throws -> Int32? {
        let highest = answersNewCallsWithENOSYS ? crs_seccomp_highest_known_syscall() : -1
        let result = crs_seccomp_install(context, installFlags, highest)
        if result < 0 {
            throw SeccompError.libraryCallFailed(
                call: "seccomp", subject: "filter", errno: -result)
        }
        return notifies ? result : nil
    }

    private func configure(_ profile: SeccompProfile) throws {
        try setAttribute(Attribute.noNewPrivileges, 0, "no_new_privs")

        for name in profile.architectures {
            let token = Self.libraryArchitectureName(name)
            let arch = token.withCString { crs_seccomp_arch_resolve_name($0) }
            if arch == 0 {
                throw SeccompError.unknownArchitecture(name)
            }
            let result = crs_seccomp_arch_add(context, arch)
            // The native architecture is in every new filter already.
            if result < 0 && result != -EEXIST {
                throw SeccompError.libraryCallFailed(
                    call: "seccomp_arch_add", subject: name, errno: -result)
            }
        }

        for flag in profile.flags {
            switch flag {
            case "SECCOMP_FILTER_FLAG_TSYNC":
                installFlags |= 1
            case "SECCOMP_FILTER_FLAG_LOG":
                installFlags |= 2
            case "SECCOMP_FILTER_FLAG_SPEC_ALLOW":
                installFlags |= 4
            default:
                throw SeccompError.unsupportedFlag(flag)
            }
        }
    }

    private func setAttribute(_ attribute: Int32, _ value: UInt32, _ name: String) throws {
        let result = crs_seccomp_attr_set(context, attribute, value)
        if result < 0 {
            throw SeccompError.libraryCallFailed(
                call: "seccomp_attr_set", subject: name, errno: -result)
        }
    }

    private func addRules(_ profile: SeccompProfile, defaultAction: UInt32) throws {
        for rule in profile.syscalls {
            let action = try Self.action(rule.action, rule.errnoRet)
            if action == Self.notifyAction && !rule.names.isEmpty {
                notifies = true
                installFlags |= 8
            }
            let conditions = try rule.args.map(Self.condition)
            // libseccomp refuses a rule whose action is the default one; such a rule
            // changes nothing, so it is left out.
            if action == defaultAction {
                continue
            }

            for name in rule.names {
                if action == Self.notifyAction && Self.callsNeededBeforeTheAgent.contains(name) {
                    throw SeccompError.notifyRefused(syscall: name)
                }
                let number = name.withCString { crs_seccomp_syscall_resolve_name($0) }
                // A name libseccomp does not know (a call newer than the library, or a
                // typo) is skipped rather than failing the container, as runc does, so
                // one profile serves hosts of different ages.
                if number == Seccomp.unknownSyscall {
                    continue
                }
                try add(action, number, conditions, name)
            }
        }
    }

    /// Adds one rule. Conditions on distinct arguments all have to hold, in one rule.
    /// libseccomp cannot compare one argument twice in one rule, so when a profile lists
    /// the same argument more than once each condition becomes a rule of its own: any of
    /// them matching triggers the action.
    private func add(
        _ action: UInt32, _ number: Int32, _ conditions: [crs_seccomp_arg], _ name: String
    ) throws {
        let indices = conditions.map(\.index)
        let groups: [[crs_seccomp_arg]]
        if Set(indices).count == indices.count {
            groups = [conditions]
        } else {
            groups = conditions.map { [$0] }
        }
        for group in groups {
            let result = group.withUnsafeBufferPointer { buffer in
                crs_seccomp_rule_add_array(
                    context, action, number, UInt32(buffer.count), buffer.baseAddress)
            }
            if result < 0 {
                throw SeccompError.libraryCallFailed(
                    call: "seccomp_rule_add", subject: name, errno: -result)
            }
        }
    }

    /// SCMP_ACT_NOTIFY's value: the call waits for the agent holding the listener.
    static let notifyAction: UInt32 = 0x7FC0_0000

    /// Calls the runtime makes between installing a filter and handing its listener
    /// over (the hand-over itself, and the reports on the exec fifo and stderr).
    static let callsNeededBeforeTheAgent: Set<String> = ["write", "sendmsg"]

    /// The libseccomp action value of an OCI action name.
    static func action(_ name: String, _ errnoRet: UInt32?) throws -> UInt32 {
        let returned = (errnoRet ?? UInt32(EPERM)) & 0xFFFF
        switch name {
        case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD":
            return 0x0000_0000
        case "SCMP_ACT_KILL_PROCESS":
            return 0x8000_0000
        case "SCMP_ACT_TRAP":
            return 0x0003_0000
        case "SCMP_ACT_ERRNO":
            return 0x0005_0000 | returned
        case "SCMP_ACT_TRACE":
            return 0x7FF0_0000 | returned
        case "SCMP_ACT_LOG":
            return 0x7FFC_0000
        case "SCMP_ACT_ALLOW":
            return 0x7FFF_0000
        case "SCMP_ACT_NOTIFY":
            return notifyAction
        default:
            throw SeccompError.unsupportedAction(name)
        }
    }

    /// libseccomp's comparison of an OCI argument condition.
    static func condition(_ argument: SeccompArgument) throws -> crs_seccomp_arg {
        let operators = [
            "SCMP_CMP_NE": 1, "SCMP_CMP_LT": 2, "SCMP_CMP_LE": 3, "SCMP_CMP_EQ": 4,
            "SCMP_CMP_GE": 5, "SCMP_CMP_GT": 6, "SCMP_CMP_MASKED_EQ": 7,
        ]
        guard let op = operators[argument.op] else {
            throw SeccompError.unknownOperator(argument.op)
        }
        return crs_seccomp_arg(
            index: argument.index, op: Int32(op), value: argument.value,
            value_two: argument.valueTwo)
    }

    /// "SCMP_ARCH_X86_64" → "x86_64", the spelling seccomp_arch_resolve_name takes.
    static func libraryArchitectureName(_ name: String) -> String {
        let prefix = "SCMP_ARCH_"
        let bare = name.hasPrefix(prefix) ? String(name.dropFirst(prefix.count)) : name
        return bare.lowercased()
    }
}
