import Testing
@testable import CommandLineKit

@Suite struct ArgumentParserTests {
    let parser = ArgumentParser(
        command: "run",
        options: [
            .init("tty", "t", help: "allocate a terminal"),
            .init("detach", "d", help: "run in the background"),
            .init("env", "e", value: "K=V", help: "set a variable"),
            .init("bundle", "b", value: "DIR", help: "the bundle"),
        ],
        positionalLimit: 2)

    @Test func longShortAndEqualsForms() throws {
        let parsed = try parser.parse(["--bundle=/b", "-e", "A=1", "--env", "B=2", "-td", "img"])
        #expect(parsed.value("bundle") == "/b")
        #expect(parsed.all("env") == ["A=1", "B=2"])
        #expect(parsed.flag("tty") && parsed.flag("detach"))
        #expect(parsed.positionals == ["img"])
    }

    @Test func singleDashLongNamesAsRuncCallersSendThem() throws {
        let parsed = try parser.parse(["-bundle", "/b", "-detach", "img"])
        #expect(parsed.value("bundle") == "/b")
        #expect(parsed.flag("detach"))
    }

    @Test func optionsAfterTheCommandBelongToIt() throws {
        let parsed = try parser.parse(["-t", "alpine", "b1", "sh", "-c", "ls -l", "--tty"])
        #expect(parsed.positionals == ["alpine", "b1", "sh", "-c", "ls -l", "--tty"])
    }

    @Test func falseValueClearsAFlag() throws {
        #expect(try !parser.parse(["--detach=false"]).flag("detach"))
    }

    @Test func mistakesNameTheOption() {
        #expect(throws: UsageError.self) { try parser.parse(["--nope"]) }
        do {
            _ = try parser.parse(["--bundle"])
        } catch {
            #expect(error.description == "option '--bundle' needs a value (DIR)")
        }
    }
}
