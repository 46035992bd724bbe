import FoundationEssentials
import Glibc
import RuntimeKit
import SystemKit
import Testing

/// config.json hooks: each kind runs at its point of the lifecycle, in the namespace
/// the specification names, with the state on stdin, its args and only its env; a
/// failing or slow create-time hook fails the create and leaves nothing behind.
@Suite struct HookTests {
    /// Appends one line per call to the log named by $1: the hook kind ($2), what the
    /// state on stdin says, the other args, the environment, the mount namespace and the
    /// pids (or v2) cgroup.
    static let script = """
        #!/bin/sh
        log=$1
        kind=$2
        shift 2
        state=$(cat)
        field() { echo "$state" | sed -n "s/.*\\"$1\\":\\"*\\([^\\",}]*\\).*/\\1/p"; }
        cgroup=$(sed -n 's/^[0-9]*:pids:\\(.*\\)$/\\1/p; s/^0::\\(.*\\)$/\\1/p' /proc/self/cgroup)
        echo "$kind status=$(field status) pid=$(field pid) id=$(field id) args=$*" \\
            "env=$HOOK_ENV home=$HOME mnt=$(readlink /proc/self/ns/mnt)" \\
            "cgroup=$(echo "$cgroup" | head -1) cwd=$(pwd)" >> "$log"

        """

    /// A container whose hooks of every kind log to /hooks.log in its rootfs; the
    /// script sits at /hook.sh in the rootfs, reached from the host by its host path.
    func loggingContainer() throws -> TestContainer {
        let container = try TestContainer.writableAlpine(args: ["/bin/true"])
        try FileSystem.writeAtomically("\(container.rootfs)/hook.sh", Array(Self.script.utf8),
                                       mode: 0o755)
        chmod("\(container.rootfs)/hook.sh", 0o755)
        func hook(_ kind: String, inContainer: Bool = false) -> [Spec.Hook] {
            let root = inContainer ? "" : container.rootfs
            return [Spec.Hook(path: "\(root)/hook.sh",
                              args: ["hook.sh", "\(root)/hooks.log", kind, "extra-\(kind)"],
                              env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOOK_ENV=env-\(kind)"])]
        }
        container.spec.hooks = Spec.Hooks(
            prestart: hook("prestart"), createRuntime: hook("createRuntime"),
            createContainer: hook("createContainer"),
            startContainer: hook("startContainer", inContainer: true),
            poststart: hook("poststart"), poststop: hook("poststop"))
        return container
    }

    /// The log's lines as kind → fields.
    func readLog(_ container: TestContainer) throws -> [(String, [String: String])] {
        let text = try FileSystem.readText("\(container.rootfs)/hooks.log")
        return text.split(separator: "\n").map { line in
            let words = line.split(separator: " ")
            var fields: [String: String] = [:]
            for word in words.dropFirst() {
                let parts = word.split(separator: "=", maxSplits: 1,
                                       omittingEmptySubsequences: false)
                fields[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
            }
            return (String(words[0]), fields)
        }
    }

    @Test func everyKindRunsInOrderWhereAndWithWhatTheSpecificationSays() throws {
        let container = try loggingContainer()
        defer { container.cleanUp() }
        let id = container.makeID("hooks")
        let result = try container.run(id)
        #expect(result.status == 0, "\(result.error)")

        let log = try readLog(container)
        #expect(log.map(\.0) == ["prestart", "createRuntime", "createContainer",
                                 "startContainer", "poststart", "poststop"])
        #expect(log.map { $0.1["status"] } == ["created", "created", "created", "created",
                                                "running", "stopped"])
        for (kind, fields) in log {
            #expect(fields["id"] == id)
            #expect(fields["args"] == "extra-\(kind)")
            #expect(fields["env"] == "env-\(kind)")
            // Nothing of runcs's own environment reaches a hook.
            #expect(fields["home"] == "")
        }
        let initPID = log[0].1["pid"] ?? ""
        #expect(Int(initPID) ?? 0 > 0)
        #expect(log.dropLast().allSatisfy { $0.1["pid"] == initPID })
        #expect(log.last?.1["pid"] == "0")

        // Runtime-namespace hooks share our mount namespace; the container's two do not.
        var buffer = [CChar](repeating: 0, count: 64)
        let length = readlink("/proc/self/ns/mnt", &buffer, buffer.count - 1)
        let hostNamespace = String(decoding: buffer[..<max(0, length)].map(UInt8.init),
                                   as: UTF8.self)
        let namespaces = Dictionary(uniqueKeysWithValues: log.map { ($0.0, $0.1["mnt"]) })
        for kind in ["prestart", "createRuntime", "poststart", "poststop"] {
            #expect(namespaces[kind] == hostNamespace)
        }
        #expect(namespaces["createContainer"] != hostNamespace)
        #expect(namespaces["startContainer"] == namespaces["createContainer"])

        // The container's hook runs in the container's cgroup, the runtime's do not.
        let cgroups = Dictionary(uniqueKeysWithValues: log.map { ($0.0, $0.1["cgroup"]) })
        #expect(cgroups["createContainer"] == container.spec.linux?.cgroupsPath)
        // createContainer runs in the container's root directory, before it becomes "/".
        let directories = Dictionary(log.map { ($0.0, $0.1["cwd"] ?? "") },
                                     uniquingKeysWith: { first, _ in first })
        #expect(directories["createContainer"] == container.rootfs)
        #expect(cgroups["createRuntime"] != container.spec.linux?.cgroupsPath)
    }

    @Test func aHookPastItsTimeoutIsKilledAndFailsCreate() throws {
        let container = try TestContainer.writableAlpine(args: ["/bin/true"])
        defer { container.cleanUp() }
        let id = container.makeID("hooktimeout")
        let marker = "marker-\(id)"
        container.spec.hooks = Spec.Hooks(createRuntime: [
            Spec.Hook(path: "/bin/sh", args: ["sh", "-c", "sleep 30; : \(marker)"], timeout: 1),
        ])
        let started = EventsTests.milliseconds()
        let result = try container.runcs(["create", "-b", container.bundle, id])
        let elapsed = EventsTests.milliseconds() - started
        #expect(result.status != 0)
        #expect(result.error.contains("createRuntime hook /bin/sh timed out after 1 seconds"),
                "\(result.error)")
        #expect(elapsed >= 1000 && elapsed < 8000)
        #expect(Self.processes(withCommandLineContaining: marker).isEmpty)
        try expectNothingLeft(of: id, in: container)
    }

    @Test func aFailingCreateRuntimeHookLeavesNothingBehind() throws {
        let container = try TestContainer.writableAlpine(args: ["/bin/true"])
        defer { container.cleanUp() }
        let id = container.makeID("hookfail")
        let poststopMarker = "\(container.directory)/poststop-ran"
        container.spec.hooks = Spec.Hooks(
            createRuntime: [Spec.Hook(path: "/bin/sh",
                                      args: ["sh", "-c", "echo boom >&2; exit 3"])],
            poststop: [Spec.Hook(path: "/bin/sh",
                                 args: ["sh", "-c", "cat > \(poststopMarker)"])])
        let result = try container.runcs(["create", "-b", container.bundle, id])
        #expect(result.status != 0)
        #expect(result.error.contains(
            "createRuntime hook /bin/sh failed: exit status 3, stderr: boom"), "\(result.error)")
        try expectNothingLeft(of: id, in: container)
        // The create ended the container's life: poststop ran, with "stopped".
        let poststop = try FileSystem.readText(poststopMarker)
        #expect(poststop.contains("\"status\":\"stopped\""))
    }

    @Test func aFailingStartContainerHookFailsStartAndAPoststartOneOnlyWarns() throws {
        let container = try TestContainer.writableAlpine(args: ["/bin/sleep", "30"])
        defer { container.cleanUp() }
        container.spec.hooks = Spec.Hooks(startContainer: [
            Spec.Hook(path: "/bin/sh", args: ["sh", "-c", "echo nope >&2; exit 4"]),
        ])
        let id = container.makeID("hookstart")
        let created = try container.runcs(["create", "-b", container.bundle, id])
        try #require(created.status == 0, "\(created.error)")
        let start = try container.runcs(["start", id])
        #expect(start.status != 0)
        #expect(start.error.contains("startContainer hook /bin/sh failed: exit status 4, "
                                     + "stderr: nope"), "\(start.error)")
        #expect(try container.waitUntil { try container.status(id) == "stopped" })
        #expect(try container.runcs(["delete", id]).status == 0)

        container.spec.hooks = Spec.Hooks(poststart: [
            Spec.Hook(path: "/bin/sh", args: ["sh", "-c", "exit 5"]),
        ])
        container.spec.process?.args = ["/bin/true"]
        let warned = try container.run()
        #expect(warned.status == 0, "\(warned.error)")
        #expect(warned.error.contains("poststart hook /bin/sh failed: exit status 5"))
    }

    @Test func hooksAreTypedAndChecked() throws {
        var spec = Spec.makeDefault()
        spec.hooks = Spec.Hooks(
            createRuntime: [Spec.Hook(path: "/usr/bin/setup", args: ["setup", "-v"],
                                      env: ["A=1"], timeout: 5)],
            poststop: [Spec.Hook(path: "/usr/bin/cleanup")])
        let bytes = Array(try JSONEncoder().encode(spec))
        #expect(try Spec.parse(bytes) == spec)
        #expect(try Spec.parse(Array(spec.json.serialized().utf8)) == spec)

        func parse(_ hook: String) throws {
            let text = #"{"ociVersion":"1.1.0","hooks":{"prestart":["# + hook + "]}}"
            _ = try Spec.parse(Array(text.utf8))
        }
        #expect(throws: RuntimeError(.invalidArgument,
                                     "hooks.prestart[0].path must be absolute, got \"hook\"")) {
            try parse(#"{"path":"hook"}"#)
        }
        #expect(throws: RuntimeError(.invalidArgument,
                "hooks.prestart[0].timeout must be greater than zero, got 0")) {
            try parse(#"{"path":"/hook","timeout":0}"#)
        }
    }

    /// No state, no cgroup in any hierarchy, no process in that cgroup.
    func expectNothingLeft(of id: String, in container: TestContainer) throws {
        #expect(!FileSystem.exists("\(container.stateRoot)/\(id)"))
        #expect(try container.runcs(["list", "-q"]).output.isEmpty)
        let path = container.spec.linux?.cgroupsPath ?? ""
        let hierarchies = (try? FileSystem.listDirectory("/sys/fs/cgroup")) ?? []
        for hierarchy in hierarchies {
            #expect(!FileSystem.exists("/sys/fs/cgroup/\(hierarchy)\(path)"))
        }
        #expect(!FileSystem.exists("/sys/fs/cgroup\(path)"))
        let inCgroup = Self.allProcesses().filter { pid in
            let text = (try? FileSystem.readText("/proc/\(pid)/cgroup")) ?? ""
            return text.contains(":\(path)\n")
        }
        #expect(inCgroup.isEmpty)
    }

    static func allProcesses() -> [String] {
        ((try? FileSystem.listDirectory("/proc")) ?? []).filter { Int($0) != nil }
    }

    /// The pids whose command line holds `text`.
    static func processes(withCommandLineContaining text: String) -> [String] {
        allProcesses().filter { pid in
            let bytes = (try? FileSystem.read("/proc/\(pid)/cmdline")) ?? []
            return String(decoding: bytes.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
                .contains(text)
        }
    }
}
