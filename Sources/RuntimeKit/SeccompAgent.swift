#if canImport(Glibc)
import Glibc
#endif
import CShim
import SystemKit

/// The agent of a profile with SCMP_ACT_NOTIFY rules: a program listening on the Unix
/// socket `linux.seccomp.listenerPath` that answers the calls those rules name. The
/// runtime connects before the process exists (so a missing agent is an error at once),
/// passes the connection to the init, and the init, right after installing its filter,
/// sends the filter's listener over it with the container process state the OCI
/// runtime spec describes, in one sendmsg: nothing it does in between can wait for an
/// agent that does not have the listener yet.
enum SeccompAgent {
    /// Whether a rule of `profile` (config.json's `linux.seccomp`) notifies an agent.
    static func isWanted(by profile: JSONValue?) -> Bool {
        guard case .object(let fields)? = profile, case .array(let rules)? = fields["syscalls"]
        else {
            return false
        }
        return rules.contains { rule in
            guard case .object(let rule) = rule else { return false }
            return rule["action"] == .string("SCMP_ACT_NOTIFY")
        }
    }

    /// A connection to the agent of `profile`; nil when no rule notifies.
    static func connect(for profile: JSONValue?) throws(RuntimeError) -> Int32? {
        guard isWanted(by: profile), case .object(let fields)? = profile else {
            return nil
        }
        guard case .string(let path)? = fields["listenerPath"], !path.isEmpty else {
            throw RuntimeError(.invalidArgument,
                               "seccomp: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath")
        }
        do {
            return try Runtime.connect(path)
        } catch {
            throw RuntimeError(.unavailable,
                               "failed to connect with seccomp agent at \(path): \(error)")
        }
    }

    /// What the agent receives with the listener: the process (`pid`, on the host), the
    /// profile's `listenerMetadata`, and the container's state.
    static func processState(of spec: Spec, id: String, pid: Int32, bundle: String,
                             status: ContainerStatus) -> JSONValue {
        var metadata = ""
        if case .object(let fields)? = spec.linux?.seccomp,
            case .string(let text)? = fields["listenerMetadata"]
        {
            metadata = text
        }
        var state: [String: JSONValue] = [
            "ociVersion": .string(spec.ociVersion), "id": .string(id),
            "status": .string(status.rawValue), "pid": .whole(Int64(pid)),
            "bundle": .string(bundle),
        ]
        if let annotations = spec.annotations, !annotations.isEmpty {
            state["annotations"] = .object(annotations.mapValues(JSONValue.string))
        }
        return .object([
            "ociVersion": .string(spec.ociVersion), "fds": .array([.string("seccompFd")]),
            "pid": .whole(Int64(pid)), "metadata": .string(metadata), "state": .object(state),
        ])
    }

    /// Sends `listener` with `message` over `connection` and closes both. Called right
    /// after the filter is installed: one sendmsg, then close.
    static func handOver(_ listener: Int32, message: [UInt8], over connection: Int32)
        throws(RuntimeError)
    {
        let sent = message.withUnsafeBytes { raw in
            cshim_send_fd(connection, listener, raw.baseAddress, raw.count)
        }
        let code = errno
        close(listener)
        close(connection)
        if sent < 0 {
            throw RuntimeError(.unavailable, "send the seccomp listener to the agent: "
                + "\(SystemError(call: "sendmsg", path: "seccomp agent", errno: code))")
        }
    }
}
