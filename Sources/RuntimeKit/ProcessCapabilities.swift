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
    /// Refuses a name Linux does not define in any set: the spec wants a value that maps
    /// to no kernel interface to be an error. A capability newer than the running kernel
    /// is a name Linux defines, and is left out with a warning when the sets are applied.
    static func validateNames(_ sets: Spec.Capabilities?) throws(RuntimeError) {
        guard let sets else {
            return
        }
        let named = [("bounding", sets.bounding), ("effective", sets.effective),
                     ("inheritable", sets.inheritable), ("permitted", sets.permitted),
                     ("ambient", sets.ambient)]
        for (set, names) in named {
            for name in names ?? [] where Capabilities.number(named: name) == nil {
                throw RuntimeError(.invalidArgument,
                                   "process.capabilities.\(set): unknown capability \"\(name)\"")
            }
        }
    }

    static func compileSeccomp(_ profile: JSONValue) throws(RuntimeError) -> CompiledSeccomp {
        do {
            let parsed = try SeccompProfile(json: Array(profile.serialized().utf8))
            return CompiledSeccomp(filter: try SeccompFilter(profile: parsed))
        } catch {
            throw RuntimeError(.invalidArgument, "seccomp profile: \(error)")
        }
    }
}

/// A seccomp filter compiled and waiting to be loaded into the init, with the agent its
/// notifying rules need: a connection and the message that goes with the listener.
struct CompiledSeccomp {
    let filter: SeccompFilter
    var agent: (connection: Int32, message: [UInt8])? = nil

    func load() throws(RuntimeError) {
        let listener: Int32?
        do {
            listener = try filter.load()
        } catch {
            throw RuntimeError(.internal, "load seccomp filter: \(error)")
        }
        guard let listener else {
            return
        }
        guard let agent else {
            close(listener)
            throw RuntimeError(.internal, "seccomp filter notifies, but no agent is connected")
        }
        try SeccompAgent.handOver(listener, message: agent.message, over: agent.connection)
    }
}

extension ContainerInit {
    /// config.json's seccomp profile compiled, with the agent connection the parent
    /// passed when a rule notifies; nil without a profile.
    func compileSeccomp() throws(RuntimeError) -> CompiledSeccomp? {
        guard let profile = spec.linux?.seccomp else {
            return nil
        }
        var compiled = try ProcessCapabilities.compileSeccomp(profile)
        if let seccompAgent, let state = plan.seccompAgentState {
            compiled.agent = (seccompAgent, Array(state.serialized().utf8))
        }
        return compiled
    }
}
