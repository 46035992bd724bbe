#if canImport(Glibc)
import Glibc
#endif
import RuntimeSupport
import CShim
import SystemKit

/// The container process's capabilities: the one place runcs talks to the capability
/// library (`RuntimeSupport.Capabilities`), called by the init around its uid change.
enum ProcessCapabilities {
    /// Before setuid: keep the permitted set across the uid change, so that the sets
    /// from config.json can still be applied to a non-root user afterwards.
    static func prepareForUserChange() throws(RuntimeError) {
        do {
            try Capabilities.setKeepOnSetuid(true)
        } catch {
            throw RuntimeError(.internal, "\(error)")
        }
    }

    /// After setuid: sets all five sets to what config.json lists. The kernel raises an
    /// ambient capability only when it is also permitted and inheritable; one that is
    /// not is left out with a warning (the returned text), as runc 1.1 does, because
    /// `runc spec` configurations list ambient capabilities without inheritable ones.
    static func apply(_ capabilities: Spec.Capabilities?) throws(RuntimeError) -> String? {
        guard let capabilities else {
            return nil
        }
        let permitted = Set(capabilities.permitted ?? [])
        let inheritable = Set(capabilities.inheritable ?? [])
        let wanted = capabilities.ambient ?? []
        let ambient = wanted.filter { permitted.contains($0) && inheritable.contains($0) }
        let sets = CapabilitySets(
            bounding: capabilities.bounding ?? [], effective: capabilities.effective ?? [],
            inheritable: capabilities.inheritable ?? [], permitted: capabilities.permitted ?? [],
            ambient: ambient)
        do {
            try Capabilities.apply(sets)
        } catch {
            throw RuntimeError(.internal, "apply capabilities: \(error)")
        }
        let skipped = wanted.filter { !ambient.contains($0) }
        guard !skipped.isEmpty else {
            return nil
        }
        return "ambient capabilities " + skipped.joined(separator: ", ")
            + " not raised: an ambient capability must also be permitted and inheritable"
    }
}