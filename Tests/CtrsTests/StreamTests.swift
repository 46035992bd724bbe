import Glibc
import SystemKit
import Testing

/// The streams of a running container: attach, logs --follow, events.
@Suite(.enabled(if: CtrsEnvironment.canRun, "\(CtrsEnvironment.reasonToSkip ?? "")"),
       .sharedDaemon)
struct StreamTests {
    @Test func attachCarriesInputAndOutputAndEndsWithTheExitStatus() throws {
        let daemon = try PrivateDaemon.current()
        let id = "attached-" + CtrsEnvironment.uniqueSuffix()

        #expect(try daemon.ctrs(["run", "-d", "-i", daemon.image, id, "sh", "-c",
                                 "read line; echo got $line; exit 4"]).status == 0)
        let attached = try daemon.ctrs(["task", "attach", id], input: "hello\n")
        #expect(attached.status == 4, "\(attached.stderr)")
        #expect(attached.stdout == "got hello\n")
    }

    @Test func logsFollowUntilTheProcessExits() throws {
        let daemon = try PrivateDaemon.current()
        let id = "followed-" + CtrsEnvironment.uniqueSuffix()

        #expect(try daemon.ctrs(["run", "-d", daemon.image, id, "sh", "-c",
                                 "echo first; sleep 0.5; echo second >&2"]).status == 0)
        let followed = try daemon.ctrs(["logs", "-f", id], timeout: 20)
        #expect(followed.status == 0, "\(followed.stderr)")
        #expect(followed.stdout == "first\n")
        #expect(followed.stderr == "second\n")
    }

    @Test func eventsShowWhatHappens() throws {
        let daemon = try PrivateDaemon.current()
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
            return text.split(separator: "\n").contains {
                $0.contains("\"subject\":\"\(id)\"") && $0.contains("\"kind\":\"container\"")
                    && $0.contains("\"action\":\"delete\"")
            }
        }
        #expect(seen, "\((try? FileSystem.readText(output)) ?? "")")
        // Other tests of the suite share the daemon: only this container's events count.
        let events = try FileSystem.readText(output).split(separator: "\n")
            .map { try daemon.json(String($0)) }
            .filter { $0["subject"]?.stringValue == id }
        let actions = events.map {
            "\($0["kind"]?.stringValue ?? "") \($0["action"]?.stringValue ?? "")"
        }
        #expect(actions.first == "container create", "\(actions)")
        #expect(actions.contains("task start"))
        #expect(actions.contains("task exit"))
        #expect(actions.last == "container delete", "\(actions)")
    }
}
