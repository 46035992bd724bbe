#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ContairdAPI
import SystemKit
import Varlink

/// `io.contaird.System`: the daemon's version, a summary like `docker info`, and the
/// stream of events.
struct SystemEndpoint {
    let daemon: Daemon

    struct BuildVersion: Codable {
        var version: String
        var revision: String
        var apiVersion: String
    }

    struct SystemInfo: Codable {
        var serverVersion: String
        var containers: Int
        var containersRunning: Int
        var containersPaused: Int
        var containersStopped: Int
        var images: Int
        var storageDriver: String
        var cgroupVersion: Int
        var runtime: String
        var runtimeVersion: String
        var kernelVersion: String
        var operatingSystem: String
        var architecture: String
        var cpus: Int
        var memoryBytes: Int
        var rootDirectory: String
        var stateDirectory: String
        var socketPath: String
        var pid: Int
        var startedAt: String
    }

    struct EventsParameters: Codable {
        var kinds: [String]?
    }

    func service() throws -> VarlinkService {
        var service = try VarlinkService(description: ContairdInterfaces.system)
        service.handle("Version") { (_: VarlinkEmpty, _) in
            ["version": BuildVersion(version: ContairdVersion.version,
                                     revision: ContairdVersion.revision,
                                     apiVersion: ContairdVersion.api)]
        }
        service.handle("Info") { (_: VarlinkEmpty, _) in
            ["info": try info()]
        }
        service.handle("Events") { call, replier in
            try events(call.decodeParameters(EventsParameters.self), replier)
        }
        return service
    }

    func info() throws -> SystemInfo {
        let configuration = daemon.configuration
        var counts: [TaskInfo.Status: Int] = [:]
        let records = try daemon.containers.list()
        for record in records {
            let status = (try? daemon.tasks.info(record.id).status) ?? .stopped
            counts[status, default: 0] += 1
        }
        var name = utsname()
        uname(&name)
        let release = withUnsafeBytes(of: name.release) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return SystemInfo(
            serverVersion: ContairdVersion.version,
            containers: records.count,
            containersRunning: counts[.running, default: 0] + counts[.created, default: 0],
            containersPaused: counts[.paused, default: 0],
            containersStopped: counts[.stopped, default: 0],
            images: (try? daemon.images.list().count) ?? 0,
            storageDriver: daemon.images.snapshotter.userName,
            cgroupVersion: FileSystem.exists("/sys/fs/cgroup/cgroup.controllers") ? 2 : 1,
            runtime: configuration.runtime,
            runtimeVersion: Self.runtimeVersion(configuration.runtime),
            kernelVersion: release,
            operatingSystem: Self.operatingSystem(),
            architecture: HostPlatform.architecture,
            cpus: Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))),
            memoryBytes: Int(sysconf(Int32(_SC_PHYS_PAGES))) * Int(sysconf(Int32(_SC_PAGESIZE))),
            rootDirectory: configuration.root,
            stateDirectory: configuration.state,
            socketPath: configuration.socketPath,
            pid: Int(getpid()),
            startedAt: daemon.startedAt)
    }

    /// Streams events until the caller hangs up; the first reply comes at once (without
    /// an event) so that a caller knows it is subscribed before it acts.
    func events(_ parameters: EventsParameters, _ replier: VarlinkReplier) throws {
        let kinds = parameters.kinds.map(Set.init)
        let subscription = try daemon.events.subscribe()
        defer { subscription.cancel() }
        try replier.reply([:], continues: true)
        while !replier.isCancelled {
            var entries = [
                pollfd(fd: subscription.wakeUp.rawValue, events: Int16(POLLIN), revents: 0),
                pollfd(fd: replier.callerDescriptor.rawValue, events: 0, revents: 0),
            ]
            _ = poll(&entries, 2, 1000)
            if entries[1].revents & Int16(POLLHUP | POLLERR) != 0 { return }
            for event in subscription.take().events
            where kinds == nil || kinds!.contains(event.kind.rawValue) {
                try replier.reply(["event": try JSONValueEncoder().encode(event)],
                                  continues: true)
            }
        }
    }

    /// The first line the runtime prints for `--version`.
    static func runtimeVersion(_ runtime: String) -> String {
        guard let result = try? Subprocess.run([runtime, "--version"]), result.status == 0 else {
            return "unknown"
        }
        let text = String(decoding: result.output, as: UTF8.self)
        return String(text.split(separator: "\n").first ?? "unknown")
    }

    /// PRETTY_NAME from /etc/os-release.
    static func operatingSystem() -> String {
        guard let text = try? FileSystem.readText("/etc/os-release") else { return "Linux" }
        for line in text.split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
            return String(line.dropFirst("PRETTY_NAME=".count)).replacing("\"", with: "")
        }
        return "Linux"
    }
}

/// The host's architecture in OCI terms.
enum HostPlatform {
    static var architecture: String {
        #if arch(x86_64)
        "amd64"
        #elseif arch(arm64)
        "arm64"
        #else
        "unknown"
        #endif
    }
}
