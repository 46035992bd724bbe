#if canImport(Glibc)
import Glibc
#endif
#if canImport(RuntimeSupport)
import RuntimeSupport
#endif
import SystemKit

/// The container process's capabilities and seccomp filter: the one place runcs talks
/// to those parts of `RuntimeSupport`, called by the init around its uid change.
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
        do {
            try Capabilities.setKeepOnSetuid(true)
        } catch {
            throw RuntimeError(.internal, "keep capabilities across setuid: \(error)")
        }
        #endif
    }

    /// After setuid: sets all five sets to what config.json lists. Returns warnings for
    /// capabilities that could not be granted.
    static func apply(_ capabilities: Spec.Capabilities?) throws(RuntimeError) -> [String] {
        #if canImport(RuntimeSupport)
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
        #else
        guard capabilities != nil else {
            return []
        }
        return ["process.capabilities ignored: runcs was built without capability support"]
        #endif
    }

    /// Compiles config.json's `linux.seccomp` profile. Done before pivot_root, while
    /// libseccomp is still reachable on the host's filesystem.
    static func compileSeccomp(_ profile: JSONValue) throws(RuntimeError) -> CompiledSeccomp {
        #if canImport(RuntimeSupport)
        do {
            let parsed = try SeccompProfile(json: Array(profile.serialized().utf8))
            return CompiledSeccomp(filter: try SeccompFilter(profile: parsed))
        } catch {
            throw RuntimeError(.invalidArgument, "seccomp profile: \(error)")
        }
        #else
        throw RuntimeError(.unavailable,
                           "linux.seccomp is set but runcs was built without seccomp support")
        #endif
    }
}

/// A seccomp filter compiled and waiting to be loaded into the init.
struct CompiledSeccomp {
    #if canImport(RuntimeSupport)
    let filter: SeccompFilter

    func load() throws(RuntimeError) {
        do {
            try filter.load()
        } catch {
            throw RuntimeError(.internal, "load seccomp filter: \(error)")
        }
    }
    #else
    func load() throws(RuntimeError) {}
    #endif
}
