/// A capability set that cannot be applied.
public enum CapabilityError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kernel refused a change; `call` is the operation, `capability` the name.
    case refused(call: String, capability: String, errno: Int32)

    public var description: String {
        switch self {
        case .refused(let call, let capability, let code):
            return "\(call) \(capability): \(String(cString: strerror(code)))"
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
