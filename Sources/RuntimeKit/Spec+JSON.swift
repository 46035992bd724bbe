/// Hand-written reading of config.json through `JSONValue`, the path runcs takes at
/// every create: it costs a fraction of Codable's first use in a fresh process. The
/// `Codable` conformances stay for other callers; a test checks both agree.
extension Spec {
    /// Parses config.json's bytes.
    public static func parse(_ bytes: [UInt8]) throws(RuntimeError) -> Spec {
        let root = try JSONObject(try JSONValue.parse(bytes), path: "")
        var spec = Spec(ociVersion: try root.requiredString("ociVersion"))
        spec.process = try root.object("process").map(Process.init(json:))
        spec.root = try root.object("root").map { root throws(RuntimeError) in
            Root(path: try root.requiredString("path"), readonly: try root.bool("readonly"))
        }
        spec.hostname = try root.string("hostname")
        spec.domainname = try root.string("domainname")
        spec.mounts = try root.objects("mounts")?.map { mount throws(RuntimeError) in
            Mount(destination: try mount.requiredString("destination"),
                  type: try mount.string("type"), source: try mount.string("source"),
                  options: try mount.strings("options"))
        }
        spec.hooks = try root.object("hooks").map(Hooks.init(json:))
        spec.annotations = try root.stringMap("annotations")
        spec.linux = try root.object("linux").map(Linux.init(json:))
        return spec
    }
}

extension Spec.Process {
    init(json: JSONObject) throws(RuntimeError) {
        guard let user = try json.object("user") else {
            throw RuntimeError(.invalidArgument, "process.user is missing")
        }
        self.init(
            terminal: try json.bool("terminal"),
            user: Spec.User(uid: try user.requiredInteger("uid"),
                            gid: try user.requiredInteger("gid"),
                            umask: try user.integer("umask"),
                            additionalGids: try user.integers("additionalGids")),
            args: try json.strings("args"),
            env: try json.strings("env"),
            cwd: try json.requiredString("cwd"),
            capabilities: try json.object("capabilities").map { sets throws(RuntimeError) in
                Spec.Capabilities(
                    bounding: try sets.strings("bounding"),
                    effective: try sets.strings("effective"),
                    inheritable: try sets.strings("inheritable"),
                    permitted: try sets.strings("permitted"), ambient: try sets.strings("ambient"))
            },
            rlimits: try json.objects("rlimits")?.map { limit throws(RuntimeError) in
                Spec.Rlimit(type: try limit.requiredString("type"),
                            hard: try limit.requiredInteger("hard"),
                            soft: try limit.requiredInteger("soft"))
            },
            noNewPrivileges: try json.bool("noNewPrivileges"))
        consoleSize = try json.object("consoleSize").map { size throws(RuntimeError) in
            Spec.ConsoleSize(height: try size.requiredInteger("height"),
                             width: try size.requiredInteger("width"))
        }
        oomScoreAdj = try json.integer("oomScoreAdj")
        apparmorProfile = try json.string("apparmorProfile")
        selinuxLabel = try json.string("selinuxLabel")
    }
}

extension Spec.Linux {
    init(json: JSONObject) throws(RuntimeError) {
        self.init(
            namespaces: try json.objects("namespaces")?.map { namespace throws(RuntimeError) in
                Spec.Namespace(type: try namespace.requiredString("type"),
                               path: try namespace.string("path"))
            },
            devices: try json.objects("devices")?.map { device throws(RuntimeError) in
                Spec.Device(type: try device.requiredString("type"),
                            path: try device.requiredString("path"),
                            major: try device.integer("major"), minor: try device.integer("minor"),
                            fileMode: try device.integer("fileMode"),
                            uid: try device.integer("uid"),
                            gid: try device.integer("gid"))
            },
            cgroupsPath: try json.string("cgroupsPath"),
            resources: try json.object("resources").map(Spec.Resources.init(json:)),
            maskedPaths: try json.strings("maskedPaths"),
            readonlyPaths: try json.strings("readonlyPaths"),
            sysctl: try json.stringMap("sysctl"))
        uidMappings = try json.objects("uidMappings")?.map(Spec.IDMapping.init(json:))
        gidMappings = try json.objects("gidMappings")?.map(Spec.IDMapping.init(json:))
        rootfsPropagation = try json.string("rootfsPropagation")
        seccomp = json.value("seccomp")
        mountLabel = try json.string("mountLabel")
    }
}

extension Spec.IDMapping {
    init(json: JSONObject) throws(RuntimeError) {
        self.init(containerID: try json.requiredInteger("containerID"),
                  hostID: try json.requiredInteger("hostID"),
                  size: try json.requiredInteger("size"))
    }
}

extension Spec.Resources {
    init(json: JSONObject) throws(RuntimeError) {
        self.init(
            devices: try json.objects("devices")?.map { rule throws(RuntimeError) in
                guard let allow = try rule.bool("allow") else {
                    throw RuntimeError(.invalidArgument, "\(rule.path).allow is missing")
                }
                return Spec.DeviceRule(allow: allow, type: try rule.string("type"),
                                       major: try rule.integer("major"),
                                       minor: try rule.integer("minor"),
                                       access: try rule.string("access"))
            },
            memory: try json.object("memory").map { memory throws(RuntimeError) in
                Spec.Memory(limit: try memory.integer("limit"),
                            reservation: try memory.integer("reservation"),
                            swap: try memory.integer("swap"))
            },
            cpu: try json.object("cpu").map { cpu throws(RuntimeError) in
                Spec.CPU(shares: try cpu.integer("shares"), quota: try cpu.integer("quota"),
                         period: try cpu.integer("period"), cpus: try cpu.string("cpus"),
                         mems: try cpu.string("mems"),
                         realtimeRuntime: try cpu.integer("realtimeRuntime"),
                         realtimePeriod: try cpu.integer("realtimePeriod"))
            },
            pids: try json.object("pids").map { pids throws(RuntimeError) in
                Spec.Pids(limit: try pids.requiredInteger("limit"))
            },
            hugepageLimits: try json.objects("hugepageLimits")?.map { entry throws(RuntimeError) in
                Spec.HugepageLimit(pageSize: try entry.requiredString("pageSize"),
                                   limit: try entry.requiredInteger("limit"))
            },
            unified: try json.stringMap("unified"))
    }
}

/// Writing config.json through `JSONValue`, for `runcs spec`.
extension Spec {
    public var json: JSONValue {
        var fields: [String: JSONValue] = [:]
        fields["ociVersion"] = .string(ociVersion)
        fields["process"] = process?.json
        if let root {
            var rootFields: [String: JSONValue] = ["path": .string(root.path)]
            rootFields["readonly"] = root.readonly.map(JSONValue.bool)
            fields["root"] = .object(rootFields)
        }
        fields["hostname"] = hostname.map(JSONValue.string)
        fields["domainname"] = domainname.map(JSONValue.string)
        fields["mounts"] = mounts.map { JSONValue.array($0.map(\.json)) }
        fields["hooks"] = hooks?.json
        fields["annotations"] = annotations.map {
            JSONValue.object($0.mapValues(JSONValue.string))
        }
        fields["linux"] = linux?.json
        return .object(fields)
    }
}

extension Spec.Mount {
    var json: JSONValue {
        var fields: [String: JSONValue] = ["destination": .string(destination)]
        fields["type"] = type.map(JSONValue.string)
        fields["source"] = source.map(JSONValue.string)
        fields["options"] = .stringList(options)
        return .object(fields)
    }
}

extension Spec.Process {
    var json: JSONValue {
        var fields: [String: JSONValue] = [:]
        fields["terminal"] = terminal.map(JSONValue.bool)
        if let consoleSize {
            fields["consoleSize"] = .object(["height": .whole(consoleSize.height),
                                             "width": .whole(consoleSize.width)])
        }
        var userFields: [String: JSONValue] = ["uid": .whole(user.uid), "gid": .whole(user.gid)]
        userFields["umask"] = user.umask.map { JSONValue.whole($0) }
        userFields["additionalGids"] = user.additionalGids.map { gids in
            JSONValue.array(gids.map { JSONValue.whole($0) })
        }
        fields["user"] = .object(userFields)
        fields["args"] = .stringList(args)
        fields["env"] = .stringList(env)
        fields["cwd"] = .string(cwd)
        if let capabilities {
            var sets: [String: JSONValue] = [:]
            sets["bounding"] = .stringList(capabilities.bounding)
            sets["effective"] = .stringList(capabilities.effective)
            sets["inheritable"] = .stringList(capabilities.inheritable)
            sets["permitted"] = .stringList(capabilities.permitted)
            sets["ambient"] = .stringList(capabilities.ambient)
            fields["capabilities"] = .object(sets)
        }
        fields["rlimits"] = rlimits.map { limits in
            JSONValue.array(limits.map { limit in
                JSONValue.object(["type": .string(limit.type), "hard": .whole(limit.hard),
                                  "soft": .whole(limit.soft)])
            })
        }
        fields["noNewPrivileges"] = noNewPrivileges.map(JSONValue.bool)
        fields["oomScoreAdj"] = oomScoreAdj.map { JSONValue.whole($0) }
        fields["apparmorProfile"] = apparmorProfile.map(JSONValue.string)
        fields["selinuxLabel"] = selinuxLabel.map(JSONValue.string)
        return .object(fields)
    }
}

extension Spec.Linux {
    var json: JSONValue {
        var fields: [String: JSONValue] = [:]
        fields["namespaces"] = namespaces.map { list in
            JSONValue.array(list.map { namespace in
                var entry: [String: JSONValue] = ["type": .string(namespace.type)]
                entry["path"] = namespace.path.map(JSONValue.string)
                return .object(entry)
            })
        }
        fields["uidMappings"] = uidMappings.map(Self.mappings)
        fields["gidMappings"] = gidMappings.map(Self.mappings)
        fields["devices"] = devices.map { list in JSONValue.array(list.map(\.json)) }
        fields["cgroupsPath"] = cgroupsPath.map(JSONValue.string)
        fields["resources"] = resources?.json
        fields["rootfsPropagation"] = rootfsPropagation.map(JSONValue.string)
        fields["maskedPaths"] = .stringList(maskedPaths)
        fields["readonlyPaths"] = .stringList(readonlyPaths)
        fields["sysctl"] = sysctl.map { JSONValue.object($0.mapValues(JSONValue.string)) }
        fields["seccomp"] = seccomp
        fields["mountLabel"] = mountLabel.map(JSONValue.string)
        return .object(fields)
    }

    static func mappings(_ list: [Spec.IDMapping]) -> JSONValue {
        .array(list.map { mapping in
            .object(["containerID": .whole(mapping.containerID), "hostID": .whole(mapping.hostID),
                     "size": .whole(mapping.size)])
        })
    }
}

extension Spec.Device {
    var json: JSONValue {
        var fields: [String: JSONValue] = ["type": .string(type), "path": .string(path)]
        fields["major"] = major.map { JSONValue.whole($0) }
        fields["minor"] = minor.map { JSONValue.whole($0) }
        fields["fileMode"] = fileMode.map { JSONValue.whole($0) }
        fields["uid"] = uid.map { JSONValue.whole($0) }
        fields["gid"] = gid.map { JSONValue.whole($0) }
        return .object(fields)
    }
}

extension Spec.Resources {
    var json: JSONValue {
        var fields: [String: JSONValue] = [:]
        fields["devices"] = devices.map { rules in
            JSONValue.array(rules.map { rule in
                var entry: [String: JSONValue] = ["allow": .bool(rule.allow)]
                entry["type"] = rule.type.map(JSONValue.string)
                entry["major"] = rule.major.map { JSONValue.whole($0) }
                entry["minor"] = rule.minor.map { JSONValue.whole($0) }
                entry["access"] = rule.access.map(JSONValue.string)
                return .object(entry)
            })
        }
        if let memory {
            var entry: [String: JSONValue] = [:]
            entry["limit"] = memory.limit.map { JSONValue.whole($0) }
            entry["reservation"] = memory.reservation.map { JSONValue.whole($0) }
            entry["swap"] = memory.swap.map { JSONValue.whole($0) }
            fields["memory"] = .object(entry)
        }
        if let cpu {
            var entry: [String: JSONValue] = [:]
            entry["shares"] = cpu.shares.map { JSONValue.whole($0) }
            entry["quota"] = cpu.quota.map { JSONValue.whole($0) }
            entry["period"] = cpu.period.map { JSONValue.whole($0) }
            entry["cpus"] = cpu.cpus.map(JSONValue.string)
            entry["mems"] = cpu.mems.map(JSONValue.string)
            entry["realtimeRuntime"] = cpu.realtimeRuntime.map { JSONValue.whole($0) }
            entry["realtimePeriod"] = cpu.realtimePeriod.map { JSONValue.whole($0) }
            fields["cpu"] = .object(entry)
        }
        fields["pids"] = pids.map { JSONValue.object(["limit": .whole($0.limit)]) }
        fields["hugepageLimits"] = hugepageLimits.map { limits in
            .array(limits.map { .object(["pageSize": .string($0.pageSize),
                                         "limit": .whole($0.limit)]) })
        }
        fields["unified"] = unified.map { files in .object(files.mapValues(JSONValue.string)) }
        return .object(fields)
    }
}
