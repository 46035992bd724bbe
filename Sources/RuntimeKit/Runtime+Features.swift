import RuntimeSupport

extension Runtime {
    /// `runcs features`: the runtime-spec features document (features.md), naming only
    /// what runcs does: the hooks it runs, the mount options it understands, the
    /// namespaces `create` accepts, cgroup v1 and v2 without systemd, and seccomp when
    /// libseccomp can be loaded here. `version` is runcs's own, for the annotations.
    public static func features(version: String) -> JSONValue {
        var linux: [String: JSONValue] = [:]
        linux["namespaces"] = strings(acceptedNamespaces)
        linux["capabilities"] = strings((0..<64).compactMap(Capabilities.name(of:)))
        linux["cgroup"] = .object(["v1": .bool(true), "v2": .bool(true),
                                   "systemd": .bool(false), "systemdUser": .bool(false)])
        linux["seccomp"] = seccompFeatures
        // Support for the labels, as features.md defines "enabled": whether the host
        // runs the module is checked at create, which warns when it does not.
        linux["apparmor"] = .object(["enabled": .bool(true)])
        linux["selinux"] = .object(["enabled": .bool(true)])
        linux["intelRdt"] = .object(["enabled": .bool(false)])

        var annotations: [String: JSONValue] = ["org.contaird.runcs.version": .string(version)]
        if let libseccomp = Seccomp.libraryVersion {
            annotations["io.github.seccomp.libseccomp.version"] = .string(libseccomp)
        }
        return .object([
            "ociVersionMin": .string("1.0.0"),
            "ociVersionMax": .string(Spec.version),
            "hooks": strings(HookKind.allCases.map(\.rawValue)),
            "mountOptions": strings(MountOptions.recognized),
            "linux": .object(linux),
            "annotations": .object(annotations),
        ])
    }

    /// A JSON array of `list`.
    static func strings(_ list: [String]) -> JSONValue {
        .array(list.map(JSONValue.string))
    }

    /// The namespace types `create` accepts: each known type, tried alone beside the
    /// mount namespace against the same validation a config.json goes through (a user
    /// namespace with the id maps it needs, no hostname without a UTS namespace).
    static var acceptedNamespaces: [String] {
        let types = ["cgroup", "ipc", "mount", "network", "pid", "user", "uts"]
        return types.filter { type in
            var spec = Spec.makeDefault()
            let mount = Spec.Namespace(type: "mount")
            spec.linux?.namespaces = type == "mount" ? [mount] : [mount, .init(type: type)]
            spec.hostname = nil
            spec.process?.terminal = false
            if type == "user" {
                let identity = Spec.IDMapping(containerID: 0, hostID: 0, size: 1)
                spec.linux?.uidMappings = [identity]
                spec.linux?.gidMappings = [identity]
            }
            return (try? validate(spec, options: CreateOptions(bundle: "."))) != nil
        }
    }

    /// `linux.seccomp`: what runcs compiles, when libseccomp loads; disabled otherwise.
    static var seccompFeatures: JSONValue {
        guard Seccomp.isAvailable else {
            return .object(["enabled": .bool(false)])
        }
        return .object([
            "enabled": .bool(true),
            "actions": strings(Seccomp.supportedActions),
            "operators": strings(Seccomp.supportedOperators),
            "archs": strings(Seccomp.resolvableArchitectures),
            "knownFlags": strings(Seccomp.supportedFlags),
            "supportedFlags": strings(Seccomp.usableFlags),
        ])
    }
}

extension MountOptions {
    /// Every option word a config.json mount may use that runcs acts on, sorted.
    static var recognized: [String] {
        let words = Array(setting.keys) + Array(clearing.keys) + Array(propagations.keys)
            + ["bind", "rbind"]
        return words.sorted()
    }
}
