#if canImport(Glibc)
import Glibc
#endif
import RuntimeSupport
import SystemKit

/// The container process's capabilities and seccomp filter: the one place runcs talks
/// to those parts of `RuntimeSupport`, called by the init around its uid change.
enum ProcessCapabilities {
    /// Before setuid: keep the permitted set across the uid change, so that the sets
    /// from config.json can still be applied to a non-root user afterwards.
    static func prepareForUserChange() throws(RuntimeError) {
        do {
            try Capabilities.setKeepOnSetuid(true)
        } catch {
            throw RuntimeError(.internal, "keep capabilities across setuid: \(error)")
        }
    }

    /// After setuid: sets all five sets to what config.json lists. What the kernel cannot
    /// grant (an unknown name, an ambient capability that is not also permitted and
    /// inheritable, as in `runc spec`'s default) is left out and returned as warnings,
    /// as runc does.
    static func apply(_ capabilities: Spec.Capabilities?) throws(RuntimeError) -> [String] {
        guard let capabilities else {
            return []
        }
        let sets = CapabilitySets(
            bounding: capabilities.bounding ?? [], effective: capabilities.effective ?? [],
            inheritable: capabilities.inheritable ?? [], permitted: capabilities.permitted ?? [],
            ambient: capabilities.ambient ?? [])
        do {
            return try Capabilities.apply(sets)
        } catch {
            throw RuntimeError(.internal, "apply capabilities: \(error)")
        }
    }

    /// Compiles config.json's `linux.seccomp` profile. Done before pivot_root, while
    /// libseccomp is still reachable on the host's filesystem.
    static func compileSeccomp(_ profile: JSONValue) throws(RuntimeError) -> CompiledSeccomp {
        do {
            let parsed = try SeccompProfile(json: Array(profile.serialized().utf8))
            return CompiledSeccomp(filter: try SeccompFilter(profile: parsed))
        } catch {
            throw RuntimeError(.invalidArgument, "seccomp profile: \(error)")
        }
    }
}

/// A seccomp filter compiled and waiting to be loaded into the init.
struct CompiledSeccomp {
    let filter: SeccompFilter

    func load() throws(RuntimeError) {
        do {
            try filter.load()
        } catch {
            throw RuntimeError(.internal, "load seccomp filter: \(error)")
        }
    }
}
