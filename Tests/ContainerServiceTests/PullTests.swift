import Glibc
import SystemKit
import Testing
import Varlink

/// Images.Pull through the daemon from a real registry (Debian's docker-registry,
/// started by ../shared/registry/local-registry.sh on a private directory and port).
@Suite struct PullTests {
    static let registryScript = TestProcess.packageRoot()
        + "/../shared/registry/local-registry.sh"

    /// A running registry on loopback, stopped by `stop()`.
    struct Registry {
        let directory: String
        let port: Int

        /// Starts a registry on a free port. The script gives the registry 5 seconds to
        /// answer and a free port can be taken meanwhile by other work on the machine,
        /// so a start that fails is tried again, on a new port, twice.
        static func start(auth: Bool) throws -> Registry {
            try #require(FileSystem.exists(registryScript),
                         "\(registryScript) is missing: the pull tests need it")
            var failures: [String] = []
            for _ in 0..<3 {
                let directory = try TestProcess.temporaryDirectory("cdt-registry")
                let registry = Registry(directory: directory, port: try TestProcess.freePort())
                var command = [registryScript, "start", directory, String(registry.port)]
                if auth { command.append("--auth") }
                let started = try TestProcess.run(command, timeout: 120)
                if started.status == 0 {
                    return registry
                }
                let log = (try? FileSystem.readText(directory + "/registry.log")) ?? ""
                failures.append("\(started.output) \(log.suffix(2000))")
                registry.stop()
            }
            Issue.record("local-registry.sh failed three times: \(failures)")
            throw SystemError(call: "local-registry.sh", path: registryScript, errno: EIO)
        }

        func stop() {
            _ = try? TestProcess.run([registryScript, "stop", directory])
            try? FileSystem.removeTree(directory)
        }
    }

    /// Pulls `reference` with "more": the progress entries and the final image.
    static func pull(_ client: DaemonClient, _ parameters: JSONObject) throws
        -> (progress: [JSONValue], image: JSONObject?)
    {
        let connection = try client.connect()
        defer { connection.close() }
        var stream = try connection.callMore("io.contaird.Images.Pull", parameters)
        var progress: [JSONValue] = []
        var image: JSONObject?
        while let reply = try stream.next() {
            progress += reply["progress"]?.arrayValue ?? []
            if let found = reply["image"]?.objectValue {
                image = found
            }
        }
        return (progress, image)
    }

    static func downloadedLayers(_ progress: [JSONValue]) -> Set<String> {
        Set(progress.filter {
            $0["kind"]?.stringValue == "layer" && $0["status"]?.stringValue == "downloading"
        }.compactMap { $0["digest"]?.stringValue })
    }

    @Test func plainHttpPullRunsAndASecondPullDownloadsNothing() async throws {
        try await TestDaemon.with(importImage: false) { daemon in
            try await blocking {
                let registry = try Registry.start(auth: false)
                defer { registry.stop() }
                let client = daemon.client
                let reference = "127.0.0.1:\(registry.port)/library/alpine:3.20.3"
                let parameters: JSONObject = ["reference": .string(reference), "plainHttp": true]

                let first = try Self.pull(client, parameters)
                let image = try #require(first.image, "the last reply carries no image")
                #expect(image["name"]?.stringValue == reference)
                #expect(!first.progress.isEmpty, "no progress replies")
                #expect(!Self.downloadedLayers(first.progress).isEmpty)
                #expect(first.progress.contains { $0["status"]?.stringValue == "done" })

                let outcome = try client.run(uniqueID("pulled"), image: reference,
                                             .args("cat", "/etc/alpine-release"))
                #expect(outcome.stdout == "3.20.3\n")

                let second = try Self.pull(client, parameters)
                #expect(second.image?["digest"] == image["digest"])
                #expect(Self.downloadedLayers(second.progress).isEmpty,
                        "the second pull downloaded \(Self.downloadedLayers(second.progress))")

                let missing = try client.callError("io.contaird.Images.Pull", [
                    "reference": .string("127.0.0.1:\(registry.port)/library/nothing:1"),
                    "plainHttp": true,
                ])
                #expect(missing?.name == "io.contaird.Images.RegistryError")
                #expect(missing?.parameters["status"]?.intValue == 404,
                        "\(String(describing: missing))")
            }
        }
    }

    @Test func pullWithBasicAuthOverTLS() async throws {
        try await TestDaemon.with(importImage: false) { daemon in
            try await blocking {
                let registry = try Registry.start(auth: true)
                defer { registry.stop() }
                // The daemon trusts registries' CAs from /etc/contaird/certs.d/HOST:PORT.
                let host = "127.0.0.1:\(registry.port)"
                let trust = "/etc/contaird/certs.d/" + host
                try FileSystem.createDirectory(trust)
                defer {
                    try? FileSystem.removeTree(trust)
                    rmdir("/etc/contaird/certs.d")
                    rmdir("/etc/contaird")
                }
                try FileSystem.writeAtomically(
                    trust + "/ca.crt", try FileSystem.read(registry.directory + "/certs/ca.crt"))
                let client = daemon.client
                let reference = host + "/library/alpine:3.20.3"

                let refused = try client.callError("io.contaird.Images.Pull",
                                                   ["reference": .string(reference)])
                #expect(refused?.name == "io.contaird.Images.RegistryError")
                #expect(refused?.parameters["status"]?.intValue == 401,
                        "\(String(describing: refused))")
                let wrong = try client.callError("io.contaird.Images.Pull", [
                    "reference": .string(reference), "username": "tester", "password": "wrong",
                ])
                #expect(wrong?.name == "io.contaird.Images.RegistryError")
                #expect(wrong?.parameters["status"]?.intValue == 401)

                let pulled = try Self.pull(client, [
                    "reference": .string(reference), "username": "tester", "password": "s3cret",
                ])
                #expect(pulled.image?["name"]?.stringValue == reference)
                let outcome = try client.run(uniqueID("authpulled"), image: reference,
                                             .args("cat", "/etc/alpine-release"))
                #expect(outcome.stdout == "3.20.3\n")
            }
        }
    }

    /// `kill -9` of the daemon in the middle of a layer: nothing is listed, the next
    /// daemon clears the half-written blob, and a second pull completes and runs.
    @Test func aPullCutByKillingTheDaemonCompletesAfterARestart() async throws {
        try await TestDaemon.with(importImage: false) { daemon in
            try await blocking {
                let registry = try Registry.start(auth: false)
                defer { registry.stop() }
                let proxy = try SlowProxy.start(upstreamPort: registry.port)
                defer { proxy.stop() }
                let reference = "127.0.0.1:\(proxy.port)/library/alpine:3.20.3"
                let parameters: JSONObject = ["reference": .string(reference), "plainHttp": true]

                // Read progress until some bytes of a layer have arrived, then kill.
                let connection = try daemon.client.connect()
                var stream = try connection.callMore("io.contaird.Images.Pull", parameters)
                var midLayer = false
                while !midLayer, let reply = try stream.next() {
                    midLayer = (reply["progress"]?.arrayValue ?? []).contains {
                        $0["kind"]?.stringValue == "layer"
                            && $0["status"]?.stringValue == "downloading"
                            && ($0["offset"]?.intValue ?? 0) > 0
                    }
                }
                try #require(midLayer, "the pull ended before a layer was under way")
                daemon.stop(signal: SIGKILL)
                connection.close()

                try daemon.start()
                let listed = try daemon.client.call("io.contaird.Images.List")
                #expect(listed["images"]?.arrayValue?.isEmpty == true, "\(listed)")
                let ingest = daemon.root + "/content/ingest"
                #expect(((try? FileSystem.listDirectory(ingest)) ?? []).isEmpty,
                        "the restarted daemon kept half-written blobs")

                let pulled = try Self.pull(daemon.client, parameters)
                #expect(pulled.image?["name"]?.stringValue == reference)
                let outcome = try daemon.client.run(uniqueID("afterkill"), image: reference,
                                                    .args("cat", "/etc/alpine-release"))
                #expect(outcome.stdout == "3.20.3\n")
                #expect(((try? FileSystem.listDirectory(ingest)) ?? []).isEmpty)
            }
        }
    }
}
