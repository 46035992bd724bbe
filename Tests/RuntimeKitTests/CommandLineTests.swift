import Glibc
import RuntimeKit
import SystemKit
import Testing

@Suite struct CommandLineTests {
    let parser = CommandLineParser([.init("bundle", "b", value: true), .init("detach", "d"),
                                    .init("pid-file", value: true)])

    @Test func acceptsEveryFlagFormRuncAccepts() throws {
        let forms: [[String]] = [
            ["--bundle", "/b", "id"], ["--bundle=/b", "id"], ["-bundle", "/b", "id"],
            ["-bundle=/b", "id"], ["-b", "/b", "id"],
        ]
        for form in forms {
            let parsed = try parser.parse(form)
            #expect(parsed.value("bundle") == "/b", "form \(form)")
            #expect(parsed.rest == ["id"], "form \(form)")
        }
    }

    @Test func booleansTakeOptionalValuesAndFlagsStopAtThePositional() throws {
        #expect(try parser.parse(["-d", "id"]).isSet("detach"))
        #expect(try parser.parse(["--detach=true", "id"]).isSet("detach"))
        #expect(!(try parser.parse(["--detach=false", "id"]).isSet("detach")))
        let parsed = try parser.parse(["id", "--detach"])
        #expect(!parsed.isSet("detach"))
        #expect(parsed.rest == ["id", "--detach"])
        #expect(try parser.parse(["--", "-odd-id"]).rest == ["-odd-id"])
    }

    @Test func unknownFlagsAndMissingValuesAreNamed() {
        #expect(throws: RuntimeError(.invalidArgument, "flag provided but not defined: --nope")) {
            try parser.parse(["--nope", "id"])
        }
        #expect(throws: RuntimeError(.invalidArgument, "flag needs an argument: --pid-file")) {
            try parser.parse(["--pid-file"])
        }
    }

    @Test func signalsParseByNameWithOrWithoutSIGAndByNumber() throws {
        #expect(try Runtime.parseSignal("KILL") == SIGKILL)
        #expect(try Runtime.parseSignal("SIGTERM") == SIGTERM)
        #expect(try Runtime.parseSignal("sigusr1") == SIGUSR1)
        #expect(try Runtime.parseSignal("9") == 9)
        #expect(try Runtime.parseSignal("RTMIN+2") == __libc_current_sigrtmin() + 2)
        #expect(throws: RuntimeError.self) { try Runtime.parseSignal("NOPE") }
        #expect(try Runtime.parseSignal("0") == 0, "kill(2)'s existence check")
        #expect(throws: RuntimeError.self) { try Runtime.parseSignal("65") }
    }

    @Test func runcsReportsVersionAndRefusesSystemdCgroups() throws {
        let version = try TestContainer.execute([TestContainer.runcsPath, "--version"])
        #expect(version.status == 0)
        #expect(version.output.hasPrefix("runcs version "))
        let systemd = try TestContainer.execute([TestContainer.runcsPath, "--systemd-cgroup",
                                                 "list"])
        #expect(systemd.status != 0)
        #expect(systemd.error.contains("--systemd-cgroup is not supported"))
    }

    @Test func helpPagesNameTheProgramAsItWasCalled() throws {
        let overview = try TestContainer.execute([TestContainer.runcsPath, "--help"])
        #expect(overview.status == 0)
        let lines = overview.output.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.prefix(2) == ["NAME:", "   runcs - Open Container Initiative runtime"])
        #expect(overview.output.contains("   exec "))

        for arguments in [["exec", "-h"], ["help", "exec"], ["exec", "--help"]] {
            let page = try TestContainer.execute([TestContainer.runcsPath] + arguments)
            #expect(page.status == 0, "\(arguments)")
            #expect(page.output.split(separator: "\n").dropFirst().first
                == "   runcs exec - run a further process in a running container")
            #expect(page.output.contains("--cgroup"))
        }
        let unknown = try TestContainer.execute([TestContainer.runcsPath, "foo", "-h"])
        #expect(unknown.status != 0)
        #expect(unknown.error.contains("No help topic for 'foo'"))
        let checkpoint = try TestContainer.execute([TestContainer.runcsPath, "checkpoint", "x"])
        #expect(checkpoint.status != 0)
        #expect(checkpoint.error.contains("checkpoint is not supported"))

        // Installed as runc, it says runc, which callers parse from --version.
        let directory = try TestContainer.temporaryDirectory(prefix: "runcs-name")
        defer { try? FileSystem.removeTree(directory) }
        try TestContainer.copyFile(TestContainer.runcsPath, to: "\(directory)/runc", mode: 0o755)
        let version = try TestContainer.execute(["\(directory)/runc", "-v"])
        let versionLines = version.output.split(separator: "\n")
        #expect(versionLines.first?.hasPrefix("runc version ") == true)
        #expect(versionLines.dropFirst().first?.hasPrefix("commit:") == true)
        #expect(versionLines.dropFirst(2).first == "spec: \(Spec.version)")
    }
}
