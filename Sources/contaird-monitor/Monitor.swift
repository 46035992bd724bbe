#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CShim
import MonitorClient
import SystemKit

/// The per-container monitor: it creates the container through the runtime, holds its
/// terminal or pipes, copies its output to the log and to attached clients, reaps it and
/// records how it ended, then exits.
///
/// Single-threaded: one `poll` loop serves the signal descriptor (SIGCHLD is handled
/// only there), the control socket, the clients and the processes' descriptors. All
/// descriptors the loop reads or writes are non-blocking; runtime commands run to
/// completion inside the loop.
final class Monitor {
    let options: MonitorOptions
    let runtime: Runtime
    let signals: FileDescriptor
    var listener: FileDescriptor?
    let container: SupervisedProcess
    var execs: [SupervisedProcess] = []
    var clients: [Client] = []
    /// Exits of children the monitor did not know yet (a process can exit before the
    /// runtime has told its pid), and of the runtime's own helpers, by pid.
    var unclaimedExits: [Int32: Int32] = [:]
    let monitorPid: Int32
    /// One buffer for every read of the loop.
    var buffer = [UInt8](repeating: 0, count: 16384)

    /// How long clients of an exited process get to read the rest of its output.
    static let closeGraceMilliseconds: Int64 = 5000

    init(options: MonitorOptions, signals: FileDescriptor) {
        self.options = options
        self.signals = signals
        runtime = Runtime(binary: options.runtime, root: options.runtimeRoot,
                          globalArguments: options.runtimeArguments, containerID: options.id)
        container = SupervisedProcess(execID: nil, terminal: options.terminal, started: false)
        monitorPid = getpid()
    }

    /// Serves until the container is gone and no client is left, then returns.
    func serve() {
        while !finished() {
            var entries: [pollfd] = []
            var sources: [Source] = []
            collect(&entries, &sources)
            // Deadlines of clients matter only while some wait on them.
            let waiting = container.exit != nil || clients.contains { $0.closeWhenFlushed }
            let timeout: Int32 = waiting && !clients.isEmpty ? 200 : -1
            let ready = poll(&entries, nfds_t(entries.count), timeout)
            if ready < 0 {
                if currentErrno() == EINTR {
                    continue
                }
                Logger.shared.error("poll failed", ["errno": currentErrno()])
                return
            }
            for (entry, source) in zip(entries, sources) where entry.revents != 0 {
                handle(source, events: entry.revents)
            }
            dropLateClients()
            execs.removeAll { exec in
                exec.exit != nil
                    && !clients.contains { $0.target === exec || $0.awaited === exec }
            }
        }
    }

    /// Whether the container and every exec'd process have ended and no client is left.
    func finished() -> Bool {
        container.exit != nil && execs.allSatisfy { $0.exit != nil } && clients.isEmpty
    }

    /// What a poll entry stands for.
    enum Source {
        case signals
        case listener
        case master(SupervisedProcess)
        case output(SupervisedProcess, MonitorProtocol.Stream)
        case input(SupervisedProcess)
        case client(Client)
    }

    func collect(_ entries: inout [pollfd], _ sources: inout [Source]) {
        func add(_ fd: FileDescriptor, _ events: Int32, _ source: Source) {
            entries.append(pollfd(fd: fd.rawValue, events: Int16(events), revents: 0))
            sources.append(source)
        }
        add(signals, POLLIN, .signals)
        if let listener {
            add(listener, POLLIN, .listener)
        }
        for process in [container] + execs {
            if let master = process.master {
                add(master, POLLIN | (process.pendingInput.isEmpty ? 0 : POLLOUT),
                    .master(process))
            }
            if let output = process.output {
                add(output, POLLIN, .output(process, .standardOutput))
            }
            if let errorOutput = process.errorOutput {
                add(errorOutput, POLLIN, .output(process, .standardError))
            }
            if let input = process.input, !process.pendingInput.isEmpty {
                add(input, POLLOUT, .input(process))
            }
        }
        for client in clients {
            var events: Int32 = client.pending.isEmpty ? 0 : POLLOUT
            if readsFrom(client) {
                events |= POLLIN
            }
            add(client.connection, events, .client(client))
        }
    }

    /// Whether the loop takes bytes from `client` now: always before its request is
    /// complete; when attached, only while its process keeps up with earlier input.
    func readsFrom(_ client: Client) -> Bool {
        if client.closeWhenFlushed || client.inputEnded {
            return false
        }
        guard let target = client.target else {
            return true
        }
        return !client.sendsInput || target.pendingInput.isEmpty
    }

    func handle(_ source: Source, events: Int16) {
        switch source {
        case .signals:
            handleSignals()
        case .listener:
            acceptClient()
        case .master(let process):
            if events & Int16(POLLOUT) != 0 {
                writeInput(process, to: process.master)
            }
            if events & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                readOutput(process, .standardOutput)
            }
        case .output(let process, let stream):
            readOutput(process, stream)
        case .input(let process):
            writeInput(process, to: process.input)
        case .client(let client):
            serviceClient(client, events: events)
        }
    }
}
