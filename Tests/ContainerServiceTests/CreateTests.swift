import Glibc
import SystemKit
import Testing
import Varlink

/// Containers.Create over the real socket: Docker's semantics for the image's config,
/// the container's identity and network, and creations that fail cleanly.
@Suite(.privateDaemon) struct CreateTests {
    var daemon: TestDaemon { TestDaemon.current! }
    var client: DaemonClient { daemon.client }

    @Test func argumentsReplaceCmdAndKeepEntrypointEnvWinsLaterWorkingDirAndUser()
        async throws
    {
        let daemon = daemon
        let client = client
        try await blocking {
            let directory = try TestProcess.temporaryDirectory("cdt-derive")
            defer { try? FileSystem.removeTree(directory) }
            let name = "docker.io/library/derived:\(UInt32.random(in: 0...UInt32.max))"
            try DerivedImage.importImage(name, changes: [
                "Entrypoint": .strings(["/bin/sh", "-c",
                                        "echo \"entry $* A=$A B=$B C=$C u=$(id -u) pwd=$(pwd)\"",
                                        "entry"]),
                "Cmd": .strings(["default", "cmd"]),
                "Env": .strings(["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "A=image", "B=image"]),
                "WorkingDir": "/work/not/yet",
                "User": "nobody",
            ], directory: directory, client: client)
            defer { _ = try? client.call("io.contaird.Images.Remove", ["name": .string(name)]) }

            let plain = try client.run(uniqueID("cmd"), image: name)
            #expect(plain.exitStatus == 0, "\(plain.stderr)")
            #expect(plain.stdout
                == "entry default cmd A=image B=image C= u=65534 pwd=/work/not/yet\n")

            var spec = JSONObject.args("x", "y z")
            spec["env"] = .strings(["B=first", "C=spec", "B=second"])
            let changed = try client.run(uniqueID("args"), image: name, spec)
            #expect(changed.stdout
                == "entry x y z A=image B=second C=spec u=65534 pwd=/work/not/yet\n")

            // A new Entrypoint drops the image's Cmd, unless arguments are given.
            var entrypoint: JSONObject = ["entrypoint": .strings(["/bin/echo", "over"])]
            #expect(try client.run(uniqueID("ep"), image: name, entrypoint).stdout == "over\n")
            entrypoint["args"] = .strings(["a", "b"])
            #expect(try client.run(uniqueID("epargs"), image: name, entrypoint).stdout
                == "over a b\n")
            _ = daemon
        }
    }

    @Test func anImageWithoutCommandOrEnvironment() async throws {
        let daemon = daemon
        let client = client
        try await blocking {
            let directory = try TestProcess.temporaryDirectory("cdt-bare")
            defer { try? FileSystem.removeTree(directory) }
            let name = "docker.io/library/bare:\(UInt32.random(in: 0...UInt32.max))"
            try DerivedImage.importImage(name, changes: [
                "Entrypoint": nil, "Cmd": nil, "Env": nil, "WorkingDir": nil, "User": nil,
            ], directory: directory, client: client)
            defer { _ = try? client.call("io.contaird.Images.Remove", ["name": .string(name)]) }

            let id = uniqueID("nocmd")
            let error = try client.callError("io.contaird.Containers.Create", [
                "id": .string(id), "spec": ["image": .string(name)],
            ])
            #expect(error?.name == "io.contaird.Containers.InvalidSpec")
            #expect(error?.parameters["field"]?.stringValue == "args")
            try expectNothingLeft(of: id, in: daemon)

            let outcome = try client.run(uniqueID("bareenv"), image: name, .args(
                "sh", "-c", "echo $PATH; echo $HOME; echo $HOSTNAME; pwd; id -u"))
            let lines = outcome.stdout.split(separator: "\n").map(String.init)
            try #require(lines.count == 5, "\(outcome)")
            #expect(lines[0] == "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
            #expect(lines[1] == "/root")
            #expect(lines[2].hasPrefix("bareenv-"))
            #expect(lines[3] == "/")
            #expect(lines[4] == "0")
        }
    }

    @Test(.enabled(if: TestImage.shared.isAlpine, "needs Alpine's users and groups"))
    func userByNameGetsGroupsAndHome() async throws {
        let client = client
        let image = daemon.image
        let outcome = try await blocking {
            var spec = JSONObject.args("sh", "-c", "id -u; id -g; id -G; echo $HOME")
            spec["user"] = "daemon"
            return try client.run(uniqueID("user"), image: image, spec)
        }
        let lines = outcome.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == 4, "\(outcome)")
        #expect(lines[0] == "2")
        #expect(lines[1] == "2")
        #expect(Set(lines[2].split(separator: " ")) == ["1", "2", "4"])
        #expect(lines[3] == "/sbin")
    }

    @Test func unknownUserIsInvalidSpecNamingItAndLeavesNothing() async throws {
        let daemon = daemon
        let client = client
        try await blocking {
            let id = uniqueID("nouser")
            var spec = JSONObject.args("true")
            spec["user"] = "no-such-user"
            let error = try #require(try client.callError(
                "io.contaird.Containers.Create",
                ["id": .string(id), "spec": .object(spec.with(image: daemon.image))]))
            #expect(error.name == "io.contaird.Containers.InvalidSpec")
            #expect(error.parameters["field"]?.stringValue == "user")
            #expect(error.message?.contains("no-such-user") == true, "\(error)")
            try expectNothingLeft(of: id, in: daemon)

            // The id is free at once.
            let outcome = try client.run(id, image: daemon.image, .args("echo", "again"))
            #expect(outcome.stdout == "again\n")
        }
    }

    @Test func missingWorkingDirIsCreatedAndAFileIsRefused() async throws {
        let daemon = daemon
        let client = client
        try await blocking {
            var spec = JSONObject.args("pwd")
            spec["cwd"] = "/made/by/the/daemon"
            #expect(try client.run(uniqueID("cwd"), image: daemon.image, spec).stdout
                == "/made/by/the/daemon\n")

            let id = uniqueID("cwdfile")
            spec["cwd"] = "/etc/passwd"
            let error = try #require(try client.callError(
                "io.contaird.Containers.Create",
                ["id": .string(id), "spec": .object(spec.with(image: daemon.image))]))
            #expect(error.name == "io.contaird.Containers.InvalidSpec")
            #expect(error.parameters["field"]?.stringValue == "cwd")
            #expect(error.message?.contains("/etc/passwd") == true, "\(error)")
            try expectNothingLeft(of: id, in: daemon)
            try client.create(id, image: daemon.image, .args("true"))
            try client.delete(id)
        }
    }

    @Test func hostnameIsTheIdAndLoopbackIsUpInAFreshNamespace() async throws {
        let client = client
        let image = daemon.image
        let id = uniqueID("net")
        let outcome = try await blocking {
            try client.run(id, image: image, .args(
                "sh", "-c",
                "hostname; ls /sys/class/net; cat /sys/class/net/lo/flags; ip -4 addr show lo"))
        }
        let lines = outcome.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count >= 3, "\(outcome)")
        #expect(lines[0] == id)
        #expect(lines[1] == "lo", "only loopback in a new network namespace")
        let flags = Int(lines[2].dropFirst(2), radix: 16) ?? 0
        #expect(flags & 1 == 1, "lo is up (IFF_UP)")
        #expect(outcome.stdout.contains("inet 127.0.0.1/8"))
    }

    @Test func netHostSharesTheHostNamespaceAndItsHostsFileReadOnly() async throws {
        let client = client
        let image = daemon.image
        let hostHosts = try FileSystem.readText("/etc/hosts")
        let hostNamespace = try readLink("/proc/self/ns/net")
        var spec = JSONObject.args(
            "sh", "-c",
            "readlink /proc/self/ns/net; cat /etc/hosts; echo tamper >> /etc/hosts && echo WROTE")
        spec["netHost"] = true
        let request = spec
        let outcome = try await blocking {
            try client.run(uniqueID("nethost"), image: image, request)
        }
        #expect(outcome.stdout.hasPrefix(hostNamespace + "\n"), "\(outcome)")
        #expect(outcome.stdout.contains(hostHosts))
        #expect(!outcome.stdout.contains("WROTE"))
        #expect(try FileSystem.readText("/etc/hosts") == hostHosts)
    }

    @Test func givenHostnameWins() async throws {
        let client = client
        let image = daemon.image
        var spec = JSONObject.args("hostname")
        spec["hostname"] = "chosen-name"
        let request = spec
        let outcome = try await blocking {
            try client.run(uniqueID("named"), image: image, request)
        }
        #expect(outcome.stdout == "chosen-name\n")
    }

    @Test func defaultConfinementAndPrivileged() async throws {
        let client = client
        let image = daemon.image
        let probe = JSONObject.args("sh", "-c", """
            grep -E '^(CapEff|NoNewPrivs)' /proc/self/status; \
            echo x > /proc/sys/kernel/domainname 2>/dev/null && echo PROC-SYS-WRITABLE; \
            wc -c < /proc/keys 2>/dev/null; \
            mkdir -p /mnt/t && mount -t tmpfs none /mnt/t 2>/dev/null && echo MOUNTED; \
            touch /tmp/owned && chown 65534:65534 /tmp/owned && stat -c %u /tmp/owned
            """)
        var privileged = probe
        privileged["privileged"] = true
        let request = probe
        let confined = try await blocking {
            try client.run(uniqueID("caps"), image: image, request)
        }
        let free = try await blocking {
            try client.run(uniqueID("priv"), image: image, privileged)
        }
        let confinedLines = confined.stdout.split(separator: "\n").map(String.init)
        let freeLines = free.stdout.split(separator: "\n").map(String.init)
        try #require(confinedLines.count == 4 && freeLines.count >= 4,
                     "\(confined.stdout) / \(free.stdout)")
        // Docker's default set: chown dac_override fowner fsetid kill setgid setuid
        // setpcap net_bind_service net_raw sys_chroot mknod audit_write setfcap.
        #expect(confinedLines[0] == "CapEff:\t00000000a80425fb")
        #expect(confinedLines[1] == "NoNewPrivs:\t0" || confinedLines[1] == "NoNewPrivs:\t1")
        #expect(!confined.stdout.contains("PROC-SYS-WRITABLE"))
        #expect(confinedLines[2] == "0", "/proc/keys is masked")
        #expect(!confined.stdout.contains("MOUNTED"))
        #expect(confinedLines[3] == "65534", "root in the container may chown")
        #expect(freeLines[0].hasPrefix("CapEff:\t000001ff"), "\(freeLines[0])")
        #expect(free.stdout.contains("PROC-SYS-WRITABLE"))
        #expect(free.stdout.contains("MOUNTED"))
    }

    @Test func existingAndInvalidIdsAreRefused() async throws {
        let client = client
        let image = daemon.image
        try await blocking {
            let id = uniqueID("twice")
            try client.create(id, image: image, .args("true"))
            defer { try? client.delete(id) }
            let exists = try client.callError(
                "io.contaird.Containers.Create",
                ["id": .string(id), "spec": .object(JSONObject.args("true").with(image: image))])
            #expect(exists?.name == "io.contaird.Containers.ContainerExists")
            let invalid = try client.callError(
                "io.contaird.Containers.Create",
                ["id": "../escape", "spec": .object(JSONObject.args("true").with(image: image))])
            #expect(invalid?.name == "io.contaird.Containers.InvalidId")
            let missing = try client.callError(
                "io.contaird.Containers.Create",
                ["id": .string(uniqueID("noimage")),
                 "spec": .object(JSONObject.args("true").with(image: "alpne"))])
            #expect(missing?.name == "io.contaird.Images.ImageNotFound")
        }
    }
}

/// Checks that a failed creation of `id` left no bundle, no network namespace file and
/// no mount behind.
func expectNothingLeft(of id: String, in daemon: TestDaemon) throws {
    #expect(!FileSystem.exists(daemon.state + "/containers/" + id))
    #expect(!FileSystem.exists(daemon.state + "/netns/" + id))
    let mounts = try FileSystem.readText("/proc/self/mountinfo")
    #expect(!mounts.contains("/" + id + " "), "a mount of \(id) is left")
    #expect(!mounts.contains("/" + id + "/"), "a mount of \(id) is left")
    let error = try daemon.client.callError("io.contaird.Containers.Get", ["id": .string(id)])
    #expect(error?.name == "io.contaird.Containers.ContainerNotFound")
}

func readLink(_ path: String) throws -> String {
    var buffer = [CChar](repeating: 0, count: 4096)
    let length = readlink(path, &buffer, buffer.count - 1)
    guard length > 0 else { throw SystemError(call: "readlink", path: path, errno: errno) }
    return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

extension JSONObject {
    func with(image: String) -> JSONObject {
        var copy = self
        copy["image"] = .string(image)
        return copy
    }
}
