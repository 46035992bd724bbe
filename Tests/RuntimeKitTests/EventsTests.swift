import Glibc
import RuntimeKit
import SystemKit
import Testing

/// events: statistics as runc's JSON lines, once or every interval, and OOM kills.
@Suite struct EventsTests {
    static func milliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }

    func parse(_ line: Substring) throws -> JSONValue {
        try JSONValue.parse(Array(line.utf8))
    }

    @Test func statsAreOneLineOfRuncsEventFormat() throws {
        let container = try TestContainer.alpine(args: ["/bin/sh", "-c",
                                                        "sleep 30 & wait"])
        defer { container.cleanUp() }
        let id = container.makeID("stats")
        try #require(try container.runcs(["run", "-d", "-b", container.bundle, id]).status == 0)
        #expect(container.waitUntil { (try? container.runcs(["events", "--stats", id]))?
            .output.contains("\"current\":2") == true })

        let result = try container.runcs(["events", "--stats", id])
        #expect(result.status == 0, "\(result.error)")
        let lines = result.output.split(separator: "\n")
        try #require(lines.count == 1)
        let event = try parse(lines[0])
        #expect(event["type"]?.string == "stats")
        #expect(event["id"]?.string == id)
        let data = try #require(event["data"])
        #expect((data["pids"]?["current"]?.integer(Int.self) ?? 0) >= 1)
        #expect((data["memory"]?["usage"]?["usage"]?.integer(Int.self) ?? 0) > 0)
        #expect(data["memory"]?["usage"]?["failcnt"]?.integer(Int.self) != nil)
        #expect((data["cpu"]?["usage"]?["total"]?.integer(Int.self) ?? 0) > 0)
        #expect(data["cpu"]?["throttling"]?["periods"] != nil)
    }

    @Test func withoutStatsALineComesEveryIntervalUntilTheContainerStops() throws {
        let container = try TestContainer.alpine(args: ["/bin/sleep", "1.2"])
        defer { container.cleanUp() }
        let id = container.makeID("watch")
        try #require(try container.runcs(["run", "-d", "-b", container.bundle, id]).status == 0)
        let started = Self.milliseconds()
        let watch = try TestContainer.execute([TestContainer.runcsPath, "--root",
                                               container.stateRoot, "events", "--interval",
                                               "200ms", id])
        let elapsed = Self.milliseconds() - started
        #expect(watch.status == 0, "\(watch.error)")
        // It ended with the container, not before.
        #expect(elapsed >= 800 && elapsed < 5000)
        let lines = watch.output.split(separator: "\n")
        #expect(lines.count >= 3)
        for line in lines {
            #expect(try parse(line)["type"]?.string == "stats")
        }
    }

    @Test func anOOMKillIsReported() throws {
        // A subshell holding 64 MiB in a variable, in a cgroup of 16 MiB.
        let script = "sleep 0.5; x=$(head -c 67108864 /dev/zero | tr '\\0' a); sleep 30"
        let container = try TestContainer.alpine(args: ["/bin/sh", "-c", script])
        defer { container.cleanUp() }
        container.spec.linux?.resources?.memory = Spec.Memory(limit: 16 << 20, swap: 16 << 20)
        let id = container.makeID("oom")
        let run = try container.runcs(["run", "-d", "-b", container.bundle, id])
        try #require(run.status == 0, "\(run.error)")
        let watch = try TestContainer.spawn([TestContainer.runcsPath, "--root",
                                             container.stateRoot, "events", id])
        var output = ""
        _ = container.waitUntil(seconds: 10) {
            output = (try? FileSystem.readText("\(watch.outputDirectory)/out")) ?? ""
            return output.contains("\"oom\"")
        }
        _ = try container.runcs(["kill", id, "KILL"])
        let finished = watch.wait()
        #expect(finished.output.contains("{\"type\":\"oom\",\"id\":\"\(id)\"}"), "\(output)")
    }

    @Test func durationsReadLikeGo() throws {
        #expect(try Runtime.parseDuration("5s") == 5000)
        #expect(try Runtime.parseDuration("250ms") == 250)
        #expect(try Runtime.parseDuration("1m30s") == 90_000)
        #expect(try Runtime.parseDuration("1.5h") == 5_400_000)
        #expect(throws: RuntimeError.self) { try Runtime.parseDuration("5") }
        #expect(throws: RuntimeError.self) { try Runtime.parseDuration("10us") }
        #expect(throws: RuntimeError.self) { try Runtime.parseDuration("") }
    }
}
