#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CommandLineKit
import SystemKit
import Varlink

/// The options `run` and `container create` share, and their translation into the
/// ContainerSpec and labels of io.contaird.Containers.Create.
enum ContainerSpecOptions {
    static let options: [ArgumentParser.Option] = [
        .init("tty", "t", help: "give the process a terminal (implies --interactive)"),
        .init("interactive", "i", help: "keep stdin open and forward it"),
        .init("rm", help: "delete the container when its process exits (done by the daemon)"),
        .init("env", "e", value: "KEY=VALUE",
              help: "set a variable (KEY alone takes ctrs's value); repeatable"),
        .init("env-file", value: "FILE", help: "read KEY=VALUE lines from FILE; repeatable"),
        .init("mount", value: "SPEC",
              help: "type=bind,src=PATH,dst=PATH[,options=rbind:ro]; repeatable"),
        .init("net-host", help: "share the host's network namespace"),
        .init("cwd", "workdir", "w", value: "DIR", help: "the working directory"),
        .init("user", "u", value: "USER[:GROUP]", help: "the user (name or uid) to run as"),
        .init("hostname", value: "NAME", help: "the hostname (default: the container id)"),
        .init("entrypoint", value: "PATH", help: "replace the image's entrypoint"),
        .init("memory-limit", "memory", "m", value: "BYTES",
              help: "memory limit in bytes (suffixes k, m, g)"),
        .init("cpus", value: "N", help: "CPU time as a number of CPUs, such as 1.5"),
        .init("pids-limit", value: "N", help: "the most processes the container may have"),
        .init("readonly", "read-only", help: "mount the root filesystem read-only"),
        .init("privileged", help: "every capability, all devices, no seccomp"),
        .init("label", "l", value: "KEY=VALUE", help: "a label for the container; repeatable"),
        .init("runtime", value: "BIN", help: "the OCI runtime (runcs, runc, crun)"),
        .init("init", help: "run a minimal reaper as PID 1 in front of the process"),
    ]

    /// The spec for IMAGE with `command` (replacing the image's Cmd when not empty).
    static func spec(image: String, command: [String], _ arguments: ParsedArguments)
        throws -> JSONObject
    {
        var spec: JSONObject = ["image": .string(image)]
        if !command.isEmpty {
            spec["args"] = strings(command)
        }
        if let entrypoint = arguments.value("entrypoint") {
            spec["entrypoint"] = strings(entrypoint.isEmpty ? [] : [entrypoint])
        }
        let environment = try environment(arguments)
        if !environment.isEmpty {
            spec["env"] = strings(environment)
        }
        spec["cwd"] = arguments.value("cwd").map { .string($0) }
        spec["user"] = arguments.value("user").map { .string($0) }
        spec["hostname"] = arguments.value("hostname").map { .string($0) }
        let mounts = try arguments.all("mount").map(mount)
        if !mounts.isEmpty {
            spec["mounts"] = .array(mounts)
        }

        let tty = arguments.flag("tty")
        setFlag(&spec, "netHost", arguments.flag("net-host"))
        setFlag(&spec, "tty", tty)
        if tty, let size = AttachedSession.terminalSize() {
            spec["terminalSize"] = size
        }
        setFlag(&spec, "stdin", tty || arguments.flag("interactive"))
        setFlag(&spec, "readonly", arguments.flag("readonly"))
        setFlag(&spec, "privileged", arguments.flag("privileged"))
        setFlag(&spec, "init", arguments.flag("init"))
        setFlag(&spec, "autoRemove", arguments.flag("rm"))
        spec["runtime"] = arguments.value("runtime").map { .string($0) }

        let resources = try resources(arguments)
        if !resources.isEmpty {
            spec["resources"] = .object(resources)
        }
        return spec
    }

    /// The `--label` options as the labels object.
    static func labels(_ arguments: ParsedArguments) throws -> JSONObject {
        var labels = JSONObject()
        for label in arguments.all("label") {
            let (key, value) = split(label)
            guard !key.isEmpty else {
                throw UsageError("label '\(label)' has no key: use KEY=VALUE")
            }
            labels[key] = .string(value ?? "")
        }
        return labels
    }

    static func strings(_ values: [String]) -> JSONValue {
        .array(values.map { .string($0) })
    }

    static func setFlag(_ spec: inout JSONObject, _ key: String, _ on: Bool) {
        if on {
            spec[key] = .bool(true)
        }
    }

    /// `--env-file` entries first, then `--env`; "KEY" alone takes ctrs's own value
    /// and is dropped when ctrs has none, as Docker does.
    static func environment(_ arguments: ParsedArguments) throws -> [String] {
        var entries: [String] = []
        for file in arguments.all("env-file") {
            let text: String
            do {
                text = try FileSystem.readText(file)
            } catch {
                throw CtrsFailure("reading the env file \(file): \(error.reason)")
            }
            for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
                let entry = line.trimmingWhitespace()
                if entry.isEmpty || entry.hasPrefix("#") {
                    continue
                }
                entries.append(entry)
            }
        }
        entries.append(contentsOf: arguments.all("env"))
        return entries.compactMap { entry in
            guard !entry.contains("=") else {
                return entry
            }
            guard let value = getenv(entry) else {
                return nil
            }
            return entry + "=" + String(cString: value)
        }
    }

    /// One `--mount` as a Mount: `type=bind,src=/a,dst=/b,options=rbind:ro`, also
    /// `source`, `destination`, `target` and a bare `ro` or `readonly`.
    static func mount(_ text: String) throws -> JSONValue {
        var type = "bind"
        var source: String?
        var destination: String?
        var options: [String] = []
        for field in text.split(separator: ",") {
            let (key, value) = split(String(field))
            switch (key, value) {
            case ("type", let value?): type = value
            case ("src", let value?), ("source", let value?): source = value
            case ("dst", let value?), ("destination", let value?), ("target", let value?):
                destination = value
            case ("options", let value?):
                options += value.split(separator: ":").map(String.init)
            case ("ro", nil), ("readonly", nil):
                options.append("ro")
            default:
                throw UsageError("mount '\(text)': unknown field '\(field)'")
            }
        }
        guard let destination else {
            throw UsageError("mount '\(text)' has no dst")
        }
        if type == "bind" && source == nil {
            throw UsageError("bind mount '\(text)' has no src")
        }
        if type == "bind" && !options.contains("bind") && !options.contains("rbind") {
            options.insert("rbind", at: 0)
        }
        return [
            "type": .string(type),
            "source": .string(source.map { type == "bind" ? Paths.absolute($0) : $0 } ?? type),
            "destination": .string(destination), "options": strings(options),
        ]
    }

    static func resources(_ arguments: ParsedArguments) throws -> JSONObject {
        var resources = JSONObject()
        if let memory = arguments.value("memory-limit") {
            resources["memoryLimitBytes"] = .int(try byteCount(memory))
        }
        if let cpus = arguments.value("cpus") {
            guard let number = Double(cpus), number > 0 else {
                throw UsageError("option '--cpus' needs a positive number, not '\(cpus)'")
            }
            resources["cpus"] = .double(number)
        }
        if let pids = try arguments.integer("pids-limit") {
            resources["pidsLimit"] = .int(Int64(pids))
        }
        return resources
    }

    /// "512", "64k", "256m", "1g" (binary multiples).
    static func byteCount(_ text: String) throws -> Int64 {
        let lowered = text.lowercased()
        let multipliers: [Character: Int64] = ["k": 1 << 10, "m": 1 << 20, "g": 1 << 30]
        var digits = Substring(lowered)
        var multiplier: Int64 = 1
        if lowered.hasSuffix("b") {
            digits = digits.dropLast()
        }
        if let last = digits.last, let factor = multipliers[last] {
            multiplier = factor
            digits = digits.dropLast()
        }
        guard let number = Int64(digits), number > 0 else {
            throw UsageError("'\(text)' is not a byte count (such as 67108864 or 64m)")
        }
        return number * multiplier
    }

    /// "KEY=VALUE" as its two parts; the value is nil without "=".
    static func split(_ text: String) -> (String, String?) {
        guard let equals = text.firstIndex(of: "=") else {
            return (text, nil)
        }
        return (String(text[..<equals]), String(text[text.index(after: equals)...]))
    }
}

extension Substring {
    /// The text without leading and trailing spaces, tabs and carriage returns.
    func trimmingWhitespace() -> String {
        let blanks: Set<Character> = [" ", "\t", "\r"]
        var text = self
        while let first = text.first, blanks.contains(first) {
            text = text.dropFirst()
        }
        while let last = text.last, blanks.contains(last) {
            text = text.dropLast()
        }
        return String(text)
    }
}
