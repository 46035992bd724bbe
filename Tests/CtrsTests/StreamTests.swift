import Glibc
import SystemKit
import Testing

/// The streams of a running container: attach, logs --follow, events.
@Suite(.enabled(if: CtrsEnvironment.canRun, "\(CtrsEnvironment.reasonToSkip ?? "")"))
struct StreamTests {
    @Test func attachCarriesInputAndOutputAndEndsWithTheExitStatus() throws {
        let daemon = try PrivateDaemon()
        defer { daemon.stop() }
        let id = "attached-" + CtrsEnvironment.uniqueSuffix()

        #expect(try daemon.ctrs(["run", "-d", "-i", daemon.image, id, "sh", "-c",
                                 "read line; echo got $line; exit 4"]).status == 0)
        let attached = try daemon.ctrs(["task", "attach", id], input: "hello\n")
        #expect(attached.status == 4, "\(attached.stderr)")
        #expect(attached.stdout == "got hello\n")
    }

    @Test func logsFollowUntilTheProcessExits() throws {
        let daemon = try PrivateDaemon()
        defer { daemon.stop() }
        let id = "followed-" + CtrsEnvironment.uniqueSuffix()

        #expect(try daemon.ctrs(["run", "-d", daemon.image, id, "sh", "-c",
                                 "echo first; sleep 0.5; echo second >&2"]).status == 0)
        let followed = try daemon.ctrs(["logs", "-f", id], timeout: 20)
        #expect(followed.status == 0, "\(followed.stderr)")
        #expect(followed.stdout == "first\n")
        #expect(followed.stderr == "second\n")
    }

    @Test func eventsShowWhatHappens() throws {
        let daemon = try PrivateDaemon()
        defer { daemon.stop() }
        let id = "evented-" + CtrsEnvironment.uniqueSuffix()
        let output = daemon.directory + "/events"

        let watcher = try PrivateDaemon.spawn(
            [CtrsEnvironment.ctrs, "--socket", daemon.socket, "events", "--format", "json"],
            output: output)
        defer {
            kill(watcher, SIGKILL)
            var status: Int32 = 0
            waitpid(watcher, &status, 0)
        }
        // The first reply says the subscription is in place; give it a moment.
        usleep(300_000)
        #expect(try daemon.ctrs(["run", "--rm", daemon.image, id, "true"]).status == 0)

        let seen = daemon.eventually(10) {
            let text = (try? FileSystem.readText(output)) ?? ""
            return text.contains("\"action\":\"exit\"") && text.contains("\"action\":\"delete\"")
        }
        #expect(seen, "\((try? FileSystem.readText(output)) ?? "")")
        let lines = try FileSystem.readText(output).split(separator: "\n")
        for line in lines {
            let event = try daemon.json(String(line))
            #expect(event["subject"]?.stringValue == id)
        }
        #expect(lines.contains { $0.contains("\"kind\":\"container\"")
            && $0.contains("\"action\":\"create\"") })
    }
}
