#if canImport(Glibc)
import Glibc
#endif
import SystemKit

/// The uid and gid maps of a container's new user namespace (`linux.uidMappings`,
/// `linux.gidMappings`), written by the parent for the clone child, which waits in its
/// new user namespace until they are there (`InitLauncher.settle`).
///
/// Root writes each map itself. An unprivileged user may write only a one-line map of
/// its own id, and the gid map only once `setgroups` is denied in the new namespace (or
/// a process in it could drop a group it is denied by). Any other map goes through the
/// setuid helpers newuidmap and newgidmap (Debian's package uidmap), which grant the
/// ranges /etc/subuid and /etc/subgid give the user.
struct IDMaps {
    let uidMappings: [Spec.IDMapping]
    let gidMappings: [Spec.IDMapping]

    init(_ linux: Spec.Linux?) {
        uidMappings = linux?.uidMappings ?? []
        gidMappings = linux?.gidMappings ?? []
    }

    /// Who writes one map.
    enum Writer: Equatable {
        /// We write /proc/<pid>/uid_map or gid_map.
        case runtime
        /// newuidmap or newgidmap does.
        case helper
    }

    /// Who can write `mappings` for a caller whose own id is `ownID`.
    static func writer(for mappings: [Spec.IDMapping], ownID: UInt32, privileged: Bool)
        -> Writer
    {
        if privileged {
            return .runtime
        }
        let ownOnly = mappings.count == 1 && mappings[0].hostID == ownID && mappings[0].size == 1
        return ownOnly ? .runtime : .helper
    }

    /// Writes both maps of `pid`'s user namespace, uid first.
    func write(for pid: Int32) throws(RuntimeError) {
        let privileged = geteuid() == 0
        try write(uidMappings, kind: "uid", pid: pid,
                  writer: Self.writer(for: uidMappings, ownID: geteuid(), privileged: privileged))
        let gidWriter = Self.writer(for: gidMappings, ownID: getegid(), privileged: privileged)
        if gidWriter == .runtime && !privileged {
            let path = "/proc/\(pid)/setgroups"
            do {
                try FileSystem.writeKnob(path, "deny")
            } catch {
                throw RuntimeError(.internal, "deny setgroups for the user namespace: \(error)")
            }
        }
        try write(gidMappings, kind: "gid", pid: pid, writer: gidWriter)
    }

    /// Writes one map, in one write(2) as the kernel requires, or has the helper do it.
    private func write(_ mappings: [Spec.IDMapping], kind: String, pid: Int32, writer: Writer)
        throws(RuntimeError)
    {
        let text = Self.mapText(mappings)
        let shown = text.split(separator: "\n").joined(separator: ", ")
        switch writer {
        case .runtime:
            do {
                try FileSystem.writeKnob("/proc/\(pid)/\(kind)_map", text)
            } catch {
                throw RuntimeError(.internal, "write \(kind) map \"\(shown)\": \(error)")
            }
        case .helper:
            let name = "new\(kind)map"
            guard let helper = Self.helperPath(name) else {
                throw RuntimeError(.unavailable,
                    "\(kind) map \"\(shown)\" maps more than your own \(kind), which needs "
                    + "\(name) (package uidmap); it is not installed")
            }
            let arguments = mappings.flatMap { mapping in
                [mapping.containerID, mapping.hostID, mapping.size].map(String.init)
            }
            let result: Subprocess.Result
            do {
                result = try Subprocess.run([helper, String(pid)] + arguments)
            } catch {
                throw RuntimeError(.internal, "run \(name): \(error)")
            }
            guard result.status == 0 else {
                let reason = String(decoding: result.error, as: UTF8.self)
                    .split(separator: "\n").last.map(String.init) ?? "no message"
                throw RuntimeError(.internal, "\(name) \"\(shown)\" failed with status "
                    + "\(result.status): \(reason) (see /etc/sub\(kind))")
            }
        }
    }

    /// The map as the kernel reads it: "inside outside count" per line.
    static func mapText(_ mappings: [Spec.IDMapping]) -> String {
        mappings.map { "\($0.containerID) \($0.hostID) \($0.size)\n" }.joined()
    }

    /// The host id that `id` inside the namespace maps to, if any.
    static func hostID(of id: UInt32, in mappings: [Spec.IDMapping]) -> UInt32? {
        for mapping in mappings where id >= mapping.containerID
            && UInt64(id) < UInt64(mapping.containerID) + UInt64(mapping.size) {
            return mapping.hostID + (id - mapping.containerID)
        }
        return nil
    }

    /// The executable `name` on PATH or in the usual system directories.
    static func helperPath(_ name: String) -> String? {
        let path = getenv("PATH").map { String(cString: $0) } ?? ""
        let directories = path.split(separator: ":").map(String.init)
            + ["/usr/bin", "/usr/sbin", "/bin", "/sbin"]
        return directories.map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
    }
}
