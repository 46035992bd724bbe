/// state.json, the init plan and the printed state through `JSONValue` (see
/// `Spec+JSON.swift` for why runcs avoids Codable on its hot paths).
extension ContainerState {
    var json: JSONValue {
        var fields: [String: JSONValue] = [:]
        fields["ociVersion"] = .string(ociVersion)
        fields["id"] = .string(id)
        fields["pid"] = .whole(pid)
        fields["initStartTime"] = .whole(initStartTime)
        fields["bundle"] = .string(bundle)
        fields["rootfs"] = .string(rootfs)
        fields["created"] = .string(created)
        fields["owner"] = .string(owner)
        fields["annotations"] = annotations.map { .object($0.mapValues(JSONValue.string)) }
        fields["cgroupsPath"] = cgroupsPath.map(JSONValue.string)
        fields["hooks"] = hooks?.json
        fields["resources"] = resources?.json
        fields["mountsInOurNamespace"] = mountsInOurNamespace.map(JSONValue.bool)
        return .object(fields)
    }

    init(json value: JSONValue) throws(RuntimeError) {
        let json = try JSONObject(value, path: "state")
        self.init(
            ociVersion: try json.requiredString("ociVersion"), id: try json.requiredString("id"),
            pid: try json.requiredInteger("pid"),
            initStartTime: try json.requiredInteger("initStartTime"),
            bundle: try json.requiredString("bundle"), rootfs: try json.requiredString("rootfs"),
            created: try json.requiredString("created"), owner: try json.requiredString("owner"),
            annotations: try json.stringMap("annotations"),
            cgroupsPath: try json.string("cgroupsPath"),
            hooks: try json.object("hooks").map(Spec.Hooks.init(json:)),
            resources: try json.object("resources").map(Spec.Resources.init(json:)),
            mountsInOurNamespace: try json.bool("mountsInOurNamespace"))
    }
}

extension StateReport {
    /// The order of the state document's fields when printed, runc's, which callers'
    /// patterns expect.
    public static let keyOrder = ["ociVersion", "id", "pid", "status", "bundle", "rootfs",
                                  "created", "owner", "annotations"]

    /// The OCI state document as JSON.
    public var json: JSONValue {
        var fields: [String: JSONValue] = [:]
        fields["ociVersion"] = .string(ociVersion)
        fields["id"] = .string(id)
        fields["pid"] = .whole(pid)
        fields["status"] = .string(status.rawValue)
        fields["bundle"] = .string(bundle)
        fields["rootfs"] = .string(rootfs)
        fields["created"] = .string(created)
        fields["owner"] = .string(owner)
        fields["annotations"] = annotations.map { .object($0.mapValues(JSONValue.string)) }
        return .object(fields)
    }
}

extension InitPlan {
    var json: JSONValue {
        var fields: [String: JSONValue] = [:]
        fields["id"] = .string(id)
        fields["bundle"] = .string(bundle)
        fields["configPath"] = .string(configPath)
        fields["rootfs"] = .string(rootfs)
        fields["noPivot"] = .bool(noPivot)
        fields["hasConsoleSocket"] = .bool(hasConsoleSocket)
        fields["preserveFDs"] = .whole(preserveFDs)
        fields["protectedExecutable"] = protectedExecutable.map(JSONValue.string)
        fields["newCgroupNamespace"] = .bool(newCgroupNamespace)
        fields["cgroupDirectories"] = .object(cgroupDirectories.mapValues(JSONValue.string))
        fields["bindSources"] = bindSources.isEmpty ? nil
            : .array(bindSources.map { .whole($0) })
        fields["process"] = process?.json
        fields["hookState"] = hookState
        fields["seccompAgentState"] = seccompAgentState
        fields["securityLabels"] = securityLabels.isEmpty ? nil : securityLabels.json
        return .object(fields)
    }

    init(json value: JSONValue) throws(RuntimeError) {
        let json = try JSONObject(value, path: "plan")
        self.init(
            id: try json.requiredString("id"), bundle: try json.requiredString("bundle"),
            configPath: try json.requiredString("configPath"),
            rootfs: try json.requiredString("rootfs"), noPivot: try json.bool("noPivot") ?? false,
            hasConsoleSocket: try json.bool("hasConsoleSocket") ?? false,
            preserveFDs: try json.integer("preserveFDs") ?? 0,
            protectedExecutable: try json.string("protectedExecutable"),
            newCgroupNamespace: try json.bool("newCgroupNamespace") ?? false,
            cgroupDirectories: try json.stringMap("cgroupDirectories") ?? [:],
            bindSources: try json.integers("bindSources") ?? [],
            process: try json.object("process").map(Spec.Process.init(json:)),
            hookState: json.value("hookState"),
            seccompAgentState: json.value("seccompAgentState"),
            securityLabels: try json.object("securityLabels").map(SecurityLabels.init(json:))
                ?? SecurityLabels())
    }
}
