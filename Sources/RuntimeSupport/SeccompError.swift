/// Why a seccomp profile could not be turned into a filter or loaded.
public enum SeccompError: Error, Sendable, Equatable, CustomStringConvertible {
    /// libseccomp.so.2 could not be loaded; `reason` is the dynamic loader's message.
    case libraryUnavailable(reason: String)
    /// The profile's JSON does not have the OCI shape.
    case invalidProfile(String)
    /// An action name that is not supported.
    case unsupportedAction(String)
    /// SCMP_ACT_NOTIFY on a call the runtime itself makes between installing the filter
    /// and handing its listener to the agent.
    case notifyRefused(syscall: String)
    /// An architecture name libseccomp does not know.
    case unknownArchitecture(String)
    /// A flag name that is not supported.
    case unsupportedFlag(String)
    /// A comparison operator name that is not supported.
    case unknownOperator(String)
    /// A libseccomp call failed with `errno` (libseccomp returns negative errno values).
    case libraryCallFailed(call: String, subject: String, errno: Int32)

    public var description: String {
        switch self {
        case .libraryUnavailable(let reason):
            return "seccomp needs libseccomp.so.2, which could not be loaded: \(reason)"
        case .invalidProfile(let reason):
            return "invalid seccomp profile: \(reason)"
        case .unsupportedAction(let name):
            return "unsupported seccomp action \"\(name)\""
        case .notifyRefused(let name):
            return "SCMP_ACT_NOTIFY cannot be used for the \(name) syscall: the runtime "
                + "needs it after the filter is in place, before an agent could answer"
        case .unknownArchitecture(let name):
            return "unknown seccomp architecture \"\(name)\""
        case .unsupportedFlag(let name):
            return "unsupported seccomp flag \"\(name)\""
        case .unknownOperator(let name):
            return "unknown seccomp operator \"\(name)\""
        case .libraryCallFailed(let call, let subject, let code):
            return "\(call) \"\(subject)\": \(String(cString: strerror(code)))"
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
