#if canImport(Glibc)
import Glibc
#endif

extension Runtime {
    /// Refuses settings that would change the host instead of the container: a hostname
    /// or domainname without a UTS namespace of the container's own, and a sysctl whose
    /// namespace the container does not have its own of, or which no namespace holds
    /// (vm.*, kernel.core_pattern, ...: writing one changes the whole machine).
    static func validateNamespacedSettings(_ spec: Spec) throws(RuntimeError) {
        let names: [(field: String, value: String?)] = [("hostname", spec.hostname),
                                                         ("domainname", spec.domainname)]
        for (field, value) in names where !(value ?? "").isEmpty {
            guard hasOwnNamespace("uts", in: spec) else {
                throw RuntimeError(.invalidArgument, "config.json: \(field) needs a UTS "
                    + "namespace of the container's own in linux.namespaces; without one it "
                    + "would rename the host")
            }
        }
        for key in (spec.linux?.sysctl ?? [:]).keys.sorted() {
            guard let namespace = sysctlNamespace(key) else {
                throw RuntimeError(.invalidArgument, "config.json: sysctl \"\(key)\" belongs "
                    + "to no namespace: setting it would change the host's kernel")
            }
            guard hasOwnNamespace(namespace, in: spec) else {
                throw RuntimeError(.invalidArgument, "config.json: sysctl \"\(key)\" needs "
                    + "a \(namespace) namespace of the container's own in linux.namespaces; "
                    + "without one it would change the host's")
            }
        }
    }

    /// The namespace type that holds sysctl `key` ("network", "ipc" or "uts"), nil for
    /// the sysctls of the whole kernel. Keys are written with dots or slashes.
    static func sysctlNamespace(_ key: String) -> String? {
        let parts = key.split(whereSeparator: { $0 == "." || $0 == "/" }).map(String.init)
        guard let first = parts.first else {
            return nil
        }
        if first == "net" {
            return "network"
        }
        if first == "fs", parts.count > 2, parts[1] == "mqueue" {
            return "ipc"
        }
        guard first == "kernel", parts.count == 2 else {
            return nil
        }
        if ipcSysctls.contains(parts[1]) {
            return "ipc"
        }
        return ["hostname", "domainname"].contains(parts[1]) ? "uts" : nil
    }

    /// The kernel.* sysctls of an IPC namespace (ipc/ipc_sysctl.c).
    static let ipcSysctls: Set<String> = [
        "msgmax", "msgmnb", "msgmni", "msg_next_id", "sem", "sem_next_id", "shmall",
        "shmmax", "shmmni", "shm_next_id", "shm_rmid_forced",
    ]

    /// Whether config.json gives the container a namespace of `type` that is not ours:
    /// a new one, or one joined by a path that names another namespace than the one this
    /// process is in.
    static func hasOwnNamespace(_ type: String, in spec: Spec) -> Bool {
        guard let namespace = spec.linux?.namespaces?.first(where: { $0.type == type }) else {
            return false
        }
        guard let path = namespace.path, !path.isEmpty else {
            return true
        }
        let procName = type == "network" ? "net" : type
        var joined = stat()
        var ours = stat()
        guard stat(path, &joined) == 0, stat("/proc/self/ns/\(procName)", &ours) == 0 else {
            // A path that cannot be read fails later, where it is opened, with its error.
            return true
        }
        return joined.st_dev != ours.st_dev || joined.st_ino != ours.st_ino
    }
}
