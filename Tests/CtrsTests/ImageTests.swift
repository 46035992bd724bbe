import Glibc
import SystemKit
import Testing

/// `ctrs image`: import from a file and from stdin, export, tag, inspect, mount,
/// remove, and pull from a registry on loopback.
@Suite(.enabled(if: CtrsEnvironment.canRun, "\(CtrsEnvironment.reasonToSkip ?? "")"),
       .sharedDaemon)
struct ImageTests {
    @Test func exportImportTagInspectMountRemove() throws {
        let daemon = try PrivateDaemon.current()
        let suffix = CtrsEnvironment.uniqueSuffix()
        let archive = daemon.directory + "/exported.tar"
        let copy = "docker.io/library/copy-\(suffix):1"

        let exported = try daemon.ctrs(["image", "export", "-o", archive, daemon.image])
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(FileSystem.exists(archive))

        let tagged = try daemon.ctrs(["image", "tag", daemon.image, "copy-\(suffix):1"])
        #expect(tagged.stdout == copy + "\n", "\(tagged.stderr)")
        let inspected = try daemon.json(try daemon.ctrs(["image", "inspect", "--format", "json",
                                                         copy]).stdout)
        #expect(inspected["config"]?["rootfs"]?["type"]?.stringValue == "layers")

        let target = daemon.directory + "/mounted"
        try FileSystem.createDirectory(target)
        let mounted = try daemon.ctrs(["image", "mount", copy, target])
        #expect(mounted.status == 0, "\(mounted.stderr)")
        #expect(FileSystem.exists(target + "/bin/sh"))
        #expect(try daemon.ctrs(["image", "unmount", target]).status == 0)
        #expect(!FileSystem.exists(target + "/bin/sh"))

        #expect(try daemon.ctrs(["image", "rm", copy]).status == 0)
        #expect(!(try daemon.ctrs(["image", "ls", "-q"]).stdout.contains(copy)))

        // The exported archive comes back in through stdin.
        let bytes = try FileSystem.read(archive)
        let reimported = try Subprocess.run(
            [CtrsEnvironment.ctrs, "--socket", daemon.socket, "image", "import", "-"],
            input: bytes)
        #expect(reimported.status == 0, "\(String(decoding: reimported.error, as: UTF8.self))")
        #expect(String(decoding: reimported.output, as: UTF8.self).hasPrefix("imported "))

        let missing = try daemon.ctrs(["image", "import", daemon.directory + "/absent.tar"])
        #expect(missing.status == 125)
        #expect(missing.stderr.contains("absent.tar"))
    }

    @Test(.enabled(if: FileSystem.exists(CtrsEnvironment.packageRoot
                                         + "/../shared/registry/local-registry.sh")
                       && FileSystem.exists("/usr/bin/docker-registry"),
                   "needs ../shared/registry/local-registry.sh and docker-registry"))
    func pullFromARegistryOnLoopback() throws {
        let daemon = try PrivateDaemon.current()
        let script = CtrsEnvironment.packageRoot + "/../shared/registry/local-registry.sh"
        let registryDirectory = daemon.directory + "/registry"
        let port = Int.random(in: 20000..<30000)
        let started = try Subprocess.run(["sh", script, "start", registryDirectory, "\(port)"])
        defer { _ = try? Subprocess.run(["sh", script, "stop", registryDirectory]) }
        try #require(started.status == 0, "\(String(decoding: started.error, as: UTF8.self))")
        let reference = "127.0.0.1:\(port)/library/alpine:3.20.3"

        // Not a terminal: one plain line per change of a blob's status.
        let pulled = try daemon.ctrs(["image", "pull", "--plain-http", reference])
        #expect(pulled.status == 0, "\(pulled.stderr)")
        let lines = pulled.stdout.split(separator: "\n")
        #expect(lines.contains { $0.contains(" layer: done ") })
        #expect(lines.last?.hasPrefix(reference + " sha256:") == true)

        let quiet = try daemon.ctrs(["image", "pull", "-q", "--plain-http", reference])
        #expect(quiet.status == 0)
        #expect(quiet.stdout.isEmpty)

        // On a terminal: a progress bar per blob, redrawn in place.
        let pane = try TerminalTests.TmuxPane(columns: 120, rows: 20)
        defer { pane.close() }
        let latest = "127.0.0.1:\(port)/library/alpine:latest"
        try pane.type("\(CtrsEnvironment.ctrs) --socket \(daemon.socket) image pull "
            + "--plain-http --all-platforms \(latest); echo rc=$?")
        try pane.expectLine("rc=0") { $0 == "rc=0" }
        let shown = try pane.lines()
        #expect(shown.filter { $0.contains(" layer [") && $0.hasSuffix(" done") }.count == 2,
                "\(shown)")

        let run = try daemon.ctrs(["run", "--rm", reference, "pulled-" +
                                   CtrsEnvironment.uniqueSuffix(), "cat", "/etc/alpine-release"])
        #expect(run.stdout == "3.20.3\n", "\(run.stderr)")
    }
}
