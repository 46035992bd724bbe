#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CShim
import CommandLineKit
import ContainerService
import SystemKit

/// Parses the daemon's flags, starts it, and waits for SIGTERM or SIGINT.
enum DaemonCommand {
    static let parser = ArgumentParser(command: "contaird", options: [
        .init("socket", value: "PATH", help: "the varlink socket (/run/contaird/contaird.sock)"),
        .init("root", value: "DIR", help: "images, snapshots, metadata (/var/lib/contaird)"),
        .init("state", value: "DIR", help: "runtime state: bundles, monitors (/run/contaird)"),
        .init("group", value: "NAME", help: "group allowed to use the socket (contaird)"),
        .init("runtime", value: "BIN", help: "default OCI runtime (runcs beside contaird)"),
        .init("cgroup-parent", value: "PATH", help: "cgroup holding the containers (/contaird)"),
        .init("snapshotter", value: "NAME", help: "overlayfs or native (detected)"),
        .init("log-level", value: "LEVEL", help: "debug, info, warning or error (warning)"),
        .init("log-format", value: "FORMAT", help: "text or json (text)"),
        .init("version", "v", help: "print the version and exit"),
        .init("help", "h", help: "print this help and exit"),
    ])

    static let usage = """
        usage: contaird [OPTIONS]

        The contaird container daemon: owns images, containers and their monitors, and
        serves the varlink API (docs/api) on a Unix socket. Stop it with SIGTERM: the
        containers keep running and the next daemon finds them again.

        Options:
        \(parser.optionsHelp)

        """

    static func run(_ arguments: [String]) -> Int32 {
        let parsed: ParsedArguments
        do {
            parsed = try parser.parse(arguments)
            guard parsed.positionals.isEmpty else {
                throw UsageError("unexpected argument '\(parsed.positionals[0])'")
            }
        } catch {
            fail("\(error)\nsee 'contaird --help'")
            return 2
        }
        if parsed.flag("help") {
            print(usage, terminator: "")
            return 0
        }
        if parsed.flag("version") {
            print("contaird version \(ContairdVersion.version) (api \(ContairdVersion.api))")
            return 0
        }

        var configuration = DaemonConfiguration()
        let here = FileSystem.parent(of: executablePath())
        configuration.runtime = here + "/runcs"
        configuration.monitor = here + "/contaird-monitor"
        configuration.initBinary = here + "/contaird-init"
        if let value = parsed.value("socket") { configuration.socketPath = value }
        if let value = parsed.value("root") { configuration.root = value }
        if let value = parsed.value("state") { configuration.state = value }
        if let value = parsed.value("group") { configuration.group = value.isEmpty ? nil : value }
        if let value = parsed.value("runtime") { configuration.runtime = value }
        if let value = parsed.value("cgroup-parent") { configuration.cgroupParent = value }
        configuration.snapshotter = parsed.value("snapshotter")

        let logLevel = parsed.value("log-level") ?? "warning"
        guard let level = Logger.Level(name: logLevel) else {
            fail("unknown log level '\(logLevel)': use debug, info, warning or error")
            return 2
        }
        let format: Logger.Format = parsed.value("log-format") == "json" ? .json : .text
        Logger.shared.configure(level: level, format: format)

        // One malloc arena for every thread: each connection thread would otherwise get
        // an arena of its own, whose freed memory stays resident (0.4 MiB after a few
        // containers); the daemon's threads rarely allocate at the same moment.
        _ = cshim_set_malloc_arena_max(1)

        // Signals are taken synchronously below; block them before any thread starts so
        // that every thread inherits the mask.
        var signals = sigset_t()
        sigemptyset(&signals)
        for signal in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&signals, signal) }
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        signal(SIGPIPE, SIG_IGN)

        let daemon: Daemon
        do {
            daemon = try Daemon(configuration: configuration)
            try daemon.start()
        } catch {
            fail("\(error)")
            return 1
        }
        ServiceNotifier.notify("READY=1\nMAINPID=\(getpid())")
        Logger.shared.info("daemon ready", ["socket": configuration.socketPath,
                                            "root": configuration.root, "pid": getpid()])

        while true {
            var received: Int32 = 0
            sigwait(&signals, &received)
            if received == SIGHUP {
                Logger.shared.info("reload requested; nothing to re-read")
                continue
            }
            Logger.shared.info("stopping", ["signal": received])
            ServiceNotifier.notify("STOPPING=1")
            daemon.stop()
            return 0
        }
    }

    static func fail(_ message: String) {
        try? FileDescriptor.standardError.writeAll("contaird: \(message)\n")
    }

    /// The path of the running executable, for finding its sibling binaries.
    static func executablePath() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return CommandLine.arguments[0] }
        return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
