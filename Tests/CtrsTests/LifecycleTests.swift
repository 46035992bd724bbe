import Glibc
import SystemKit
import Testing
import Varlink

/// A container's whole life through ctrs: create, start, exec, pause, resume, logs,
/// kill, wait, stop, rm, and the listings in JSON and as ids.
@Suite(.enabled(if: CtrsEnvironment.canRun, "\(CtrsEnvironment.reasonToSkip ?? "")"),
       .sharedDaemon)
struct LifecycleTests {
    static let trappingLoop =
        "echo started; trap 'echo got term; exit 7' TERM; while true; do sleep 0.1; done"

    @Test func createStartExecPauseResumeKillWaitLogsRemove() throws {
        let daemon = try PrivateDaemon.current()
        let id = "life-" + CtrsEnvironment.uniqueSuffix()

        let created = try daemon.ctrs(["container", "create", "--label", "k=v", daemon.image,
                                       id, "sh", "-c", Self.trappingLoop])
        #expect(created.status == 0, "\(created.stderr)")
        let info = try daemon.json(try daemon.ctrs(["container", "info", id]).stdout)
        #expect(info["container"]?["status"]?.stringValue == "none")
        #expect(info["container"]?["labels"]?["k"]?.stringValue == "v")

        let started = try daemon.ctrs(["task", "start", id])
        #expect(started.status == 0, "\(started.stderr)")
        #expect(Int(started.stdout.split(separator: "\n").first ?? "") ?? 0 > 0)
        #expect(daemon.eventually { (try? daemon.ctrs(["logs", id]).stdout) == "started\n" })

        let exec = try daemon.ctrs(["task", "exec", id, "sh", "-c", "echo in-exec; exit 5"])
        #expect(exec.status == 5, "\(exec.stderr)")
        #expect(exec.stdout == "in-exec\n")

        #expect(try daemon.ctrs(["task", "pause", id]).status == 0)
        #expect(try taskStatus(daemon, id) == "paused")
        #expect(try daemon.ctrs(["task", "resume", id]).status == 0)
        #expect(try taskStatus(daemon, id) == "running")

        #expect(try daemon.ctrs(["task", "kill", id]).status == 0)
        let waited = try daemon.ctrs(["task", "wait", id])
        #expect(waited.status == 7)
        #expect(waited.stdout == "7\n")
        #expect(try daemon.ctrs(["logs", id]).stdout == "started\ngot term\n")
        #expect(try daemon.ctrs(["logs", "--tail", "1", id]).stdout == "got term\n")

        #expect(try daemon.ctrs(["task", "rm", id]).status == 0)
        #expect(try daemon.ctrs(["container", "rm", id]).status == 0)
        #expect(!(try daemon.ctrs(["container", "ls", "-q"]).stdout.contains(id)))
    }

    @Test func stopSendsTermThenKillAfterTheTimeout() throws {
        let daemon = try PrivateDaemon.current()
        let stubborn = "stubborn-" + CtrsEnvironment.uniqueSuffix()

        // sh as PID 1 ignores SIGTERM without a trap: only SIGKILL ends it.
        #expect(try daemon.ctrs(["run", "-d", daemon.image, stubborn, "sh", "-c",
                                 "trap '' TERM; while true; do sleep 0.1; done"]).status == 0)
        let stopped = try daemon.ctrs(["stop", "-t", "1", stubborn])
        #expect(stopped.status == 0, "\(stopped.stderr)")
        #expect(try daemon.ctrs(["task", "wait", stubborn]).status == 137)
    }

    @Test func listingsPrintJSONAndIds() throws {
        let daemon = try PrivateDaemon.current()
        let id = "listed-" + CtrsEnvironment.uniqueSuffix()
        #expect(try daemon.ctrs(["run", "-d", daemon.image, id, "sleep", "30"]).status == 0)

        let containers = try daemon.json(try daemon.ctrs(["container", "ls", "--format",
                                                          "json"]).stdout)
        let container = containers.arrayValue?.first { $0["id"]?.stringValue == id }
        #expect(container?["status"]?.stringValue == "running")
        let tasks = try daemon.json(try daemon.ctrs(["task", "ls", "--format", "json"]).stdout)
        let task = tasks.arrayValue?.first { $0["id"]?.stringValue == id }
        #expect(task?["pid"]?.intValue ?? 0 > 0)
        let images = try daemon.json(try daemon.ctrs(["image", "ls", "--format", "json"]).stdout)
        #expect(images.arrayValue?.isEmpty == false)
        let info = try daemon.json(try daemon.ctrs(["info", "--format", "json"]).stdout)
        #expect(info["containersRunning"]?.intValue ?? 0 >= 1)
        #expect(info["socketPath"]?.stringValue == daemon.socket)
        let version = try daemon.json(try daemon.ctrs(["version", "--format", "json"]).stdout)
        #expect(version["server"]?["apiVersion"]?.stringValue?.isEmpty == false)

        #expect(try daemon.ctrs(["task", "ls", "-q"]).stdout.split(separator: "\n")
            .contains(Substring(id)))
        let names = try daemon.ctrs(["image", "ls", "-q"]).stdout
        #expect(names.contains("docker.io/library/"))
        let text = try daemon.ctrs(["info"]).stdout
        #expect(text.contains("\n Running: "))
        #expect(text.contains("Images: "))
        #expect(text.contains("Root Dir: \(daemon.directory)/root"))
    }

    func taskStatus(_ daemon: PrivateDaemon, _ id: String) throws -> String? {
        let tasks = try daemon.json(try daemon.ctrs(["task", "ls", "--format", "json"]).stdout)
        return tasks.arrayValue?.first { $0["id"]?.stringValue == id }?["status"]?.stringValue
    }
}
