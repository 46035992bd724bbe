#if canImport(Glibc)
import Glibc
#endif
#if canImport(RuntimeSupport)
import RuntimeSupport
#endif
import CShim
import SystemKit

/// The container process's capabilities: the one place runcs talks to the capability
/// library (`RuntimeSupport.Capabilities`), called by the init around its uid change.
enum ProcessCapabilities {
    /// Whether this build applies capability sets (it links RuntimeSupport).
    static var isApplied: Bool {
        #if canImport(RuntimeSupport)
        true
        #else
        false
        #endif
    }

    /// Before setuid: keep the permitted set across the uid change, so that the sets
    /// from config.json can still be applied to a non-root user afterwards.
    static func prepareForUserChange() throws(RuntimeError) {
        #if canImport(RuntimeSupport)
        let PR_SET_KEEPCAPS: Int32 = 8
        if cshim_prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0 {
            let failure = SystemError(call: "prctl(PR_SET_KEEPCAPS)", errno: errno)
            throw RuntimeError(.internal, "\(failure)")
        }
        #endif
    }

    /// After setuid: sets all five sets to what config.json lists.
    static func apply(_ capabilities: Spec.Capabilities?) throws(RuntimeError) -> String? {
        #if canImport(RuntimeSupport)
        guard let capabilities else {
            return nil
        }
        let sets = CapabilitySets(
            bounding: capabilities.bounding ?? [], effective: capabilities.effective ?? [],
            inheritable: capabilities.inheritable ?? [], permitted: capabilities.permitted ?? [],
            ambient: capabilities.ambient ?? [])
        do {
            try Capabilities.apply(sets)
        } catch {
            throw RuntimeError(.internal, "apply capabilities: \(error)")
        }
        return nil
        #else
        guard capabilities != nil else {
            return nil
        }
        return "process.capabilities ignored: runcs was built without capability support"
        #endif
    }
}
