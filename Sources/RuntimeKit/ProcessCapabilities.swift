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

    /// After setuid: sets all five sets to what config.json lists. What the kernel cannot
    /// grant (an unknown name, an ambient capability that is not also permitted and
    /// inheritable, as in `runc spec`'s default) is left out and returned as a warning,
    /// as runc does.
    static func apply(_ capabilities: Spec.Capabilities?) throws(RuntimeError) -> String? {
        guard let capabilities else {
            return nil
        }
        let sets = CapabilitySets(
            bounding: capabilities.bounding ?? [], effective: capabilities.effective ?? [],
            inheritable: capabilities.inheritable ?? [], permitted: capabilities.permitted ?? [],
            ambient: capabilities.ambient ?? [])
        let warnings: [String]
        do {
            warnings = try Capabilities.apply(sets)
        } catch {
            throw RuntimeError(.internal, "apply capabilities: \(error)")
        }
        return warnings.isEmpty ? nil : warnings.joined(separator: "; ")
    }
}