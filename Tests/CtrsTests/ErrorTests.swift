import Glibc
import SystemKit
import Testing

/// What ctrs says when something is wrong, and the exit status it says it with.
@Suite(.enabled(if: CtrsEnvironment.canRun, "\(CtrsEnvironment.reasonToSkip ?? "")"),
       .sharedDaemon)
struct ErrorTests {
    @Test func aMissingDaemonIsNamedWithHowToStartIt() throws {
        let directory = try CtrsEnvironment.temporaryDirectory("ctrs-nodaemon")
        defer { try? FileSystem.removeTree(directory) }
        let socket = directory + "/absent.sock"

        let result = try PrivateDaemon.ctrs(["--socket", socket, "container", "ls"])
        #expect(result.status == 125)
        #expect(result.stderr == "ctrs: daemon not running at \(socket): start it with "
            + "`contaird` (or rc-service contaird start)\n")
    }

    @Test func daemonErrorsShowTheirMessageAndDockersCodes() throws {
        let daemon = try PrivateDaemon.current()
        let suffix = CtrsEnvironment.uniqueSuffix()

        let typo = try daemon.ctrs(["run", "--rm", "alpne", "typo-\(suffix)", "true"])
        #expect(typo.status == 125)
        #expect(typo.stderr.contains("no such image docker.io/library/alpne:latest"))
        #expect(typo.stderr.contains("did you mean"))

        let notFound = try daemon.ctrs(["run", "--rm", daemon.image, "nf-\(suffix)",
                                        "no-such-command"])
        #expect(notFound.status == 127)

        let notExecutable = try daemon.ctrs(["run", "--rm", daemon.image, "nx-\(suffix)",
                                             "/etc/passwd"])
        #expect(notExecutable.status == 126, "\(notExecutable.stderr)")
        #expect(notExecutable.stderr.contains("/etc/passwd"))

        let unknown = try daemon.ctrs(["task", "start", "nothing-\(suffix)"])
        #expect(unknown.status == 125)
        #expect(unknown.stderr.contains("nothing-\(suffix)"))

        let usage = try daemon.ctrs(["run", daemon.image])
        #expect(usage.status == 125)
        #expect(usage.stderr.contains("expected IMAGE ID"))

        let badOption = try daemon.ctrs(["container", "ls", "--bogus"])
        #expect(badOption.status == 125)
        #expect(badOption.stderr.contains("--bogus"))
    }

    @Test func helpDocumentsTheExitCodes() throws {
        let help = try PrivateDaemon.ctrs(["--help"])
        #expect(help.status == 0)
        for code in ["125", "126", "127"] {
            #expect(help.stdout.contains("  \(code)  "))
        }
        let version = try PrivateDaemon.ctrs(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.hasPrefix("ctrs version "))
    }

    @Test(.enabled(if: FileSystem.exists("/usr/bin/setpriv"), "needs setpriv (util-linux)"))
    func aUserOutsideTheGroupIsToldToJoinIt() throws {
        let daemon = try PrivateDaemon.current()
        let result = try Subprocess.run([
            "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
            CtrsEnvironment.ctrs, "--socket", daemon.socket, "container", "ls",
        ])
        let stderr = String(decoding: result.error, as: UTF8.self)
        #expect(result.status == 125)
        #expect(stderr.contains("permission denied on \(daemon.socket)"), "\(stderr)")
        #expect(stderr.contains("join the contaird group"))
    }
}
