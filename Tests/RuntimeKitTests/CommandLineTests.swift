import Glibc
import RuntimeKit
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
}
