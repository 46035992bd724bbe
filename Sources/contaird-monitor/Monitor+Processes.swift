#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CShim
import MonitorClient
import SystemKit

extension Monitor {
    /// Reads the pending signals; SIGCHLD reaps every exited child.
    func handleSignals() {
        while true {
            let signal = cshim_read_signal(signals.rawValue)
            if signal <= 0 {
                return
            }
            if signal == SIGCHLD {
                reapChildren()
            } else {
                // The monitor outlives the daemon and its signals; the container decides
                // when the monitor ends.
                Logger.shared.info("signal ignored", ["signal": signal])
            }
        }
    }

    /// Reaps every exited child and hands each exit to the process it belongs to.
    func reapChildren() {
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            if pid <= 0 {
                return
            }
            let owner = ([container] + execs).first { $0.pid == pid && $0.exit == nil }
            if let process = owner {
                processExited(process, status: status)
            } else {
                if unclaimedExits.count >= 64 {
                    unclaimedExits.removeAll()
                }
                unclaimedExits[pid] = status
            }
        }
    }

    /// Claims an exit reaped before the process's pid was known, if there was one.
    func claimEarlyExit(_ process: SupervisedProcess) {
        if let status = unclaimedExits.removeValue(forKey: process.pid) {
            processExited(process, status: status)
        }
    }

    /// Records how `process` ended: its last output is copied out, then the exit record
    /// is written durably, then its attached clients are let go.
    func processExited(_ process: SupervisedProcess, status: Int32) {
        let record = ExitRecord(pid: process.pid, waitStatus: status, time: Clock.timestamp())
        process.exit = record

        // Everything the process wrote is in its pipe or terminal by now.
        if let master = process.master {
            drain(process, master, .standardOutput)
        }
        if let output = process.output {
            drain(process, output, .standardOutput)
        }
        if let errorOutput = process.errorOutput {
            drain(process, errorOutput, .standardError)
        }
        process.log?.flush()
        process.closeAll()

        do {
            try record.write(process.exitFile)
        } catch {
            Logger.shared.error("cannot record the exit", ["id": options.id, "error": error])
        }
        Logger.shared.info("process exited", ["id": options.id,
                                              "exec": process.execID ?? "",
                                              "pid": record.pid, "exitCode": record.exitCode])

        for client in clients where client.awaited === process {
            client.awaited = nil
            reply(client, [("exit", record.json)])
        }
        let deadline = Self.now() + Self.closeGraceMilliseconds
        for client in clients where client.target === process {
            client.closeWhenFlushed = true
            client.closeDeadline = deadline
            if client.pending.isEmpty {
                closeClient(client)
            }
        }
    }

    /// Reads what `fd` holds until it is empty or ended.
    func drain(_ process: SupervisedProcess, _ fd: FileDescriptor,
               _ stream: MonitorProtocol.Stream) {
        while readOutput(process, stream, from: fd) {}
    }

    /// Reads one chunk of output from the descriptor of `stream`.
    func readOutput(_ process: SupervisedProcess, _ stream: MonitorProtocol.Stream) {
        let pipe = stream == .standardOutput ? process.output : process.errorOutput
        let fd = process.master ?? pipe
        if let fd {
            readOutput(process, stream, from: fd)
        }
    }

    /// Reads one chunk from `fd` and delivers it; returns whether more may follow now.
    @discardableResult
    func readOutput(_ process: SupervisedProcess, _ stream: MonitorProtocol.Stream,
                    from fd: FileDescriptor) -> Bool {
        let count = buffer.withUnsafeMutableBytes { read(fd.rawValue, $0.baseAddress, $0.count) }
        if count > 0 {
            deliver(buffer[0..<count], from: process, stream)
            return true
        }
        let code = currentErrno()
        if count < 0 && (code == EAGAIN || code == EINTR) {
            return count < 0 && code == EINTR
        }

        // End of file, or EIO from a terminal whose every slave side is closed.
        if fd == process.master {
            process.master = nil
        } else if fd == process.output {
            process.output = nil
        } else if fd == process.errorOutput {
            process.errorOutput = nil
        }
        fd.close()
        return false
    }

    /// Copies output to the log (the container's only) and to the attached clients.
    func deliver(_ bytes: ArraySlice<UInt8>, from process: SupervisedProcess,
                 _ stream: MonitorProtocol.Stream) {
        process.log?.append(bytes, stream: stream)
        for client in clients where client.target === process {
            if !process.terminal {
                client.pending += MonitorProtocol.frameHeader(stream, length: bytes.count)
            }
            client.pending += bytes
            if client.pending.count > Client.maximumPending {
                Logger.shared.warning("attached client too slow, detached", ["id": options.id])
                closeClient(client)
            } else {
                flush(client)
            }
        }
    }

    /// Writes pending client input to the process's stdin or terminal.
    func writeInput(_ process: SupervisedProcess, to fd: FileDescriptor?) {
        guard let fd, !process.pendingInput.isEmpty else {
            return
        }
        let wrote = process.pendingInput.withUnsafeBytes {
            write(fd.rawValue, $0.baseAddress, $0.count)
        }
        if wrote > 0 {
            process.pendingInput.removeFirst(wrote)
            return
        }
        let code = currentErrno()
        if code != EAGAIN && code != EINTR {
            // The reader is gone (EPIPE): nothing more can be given to it.
            Logger.shared.debug("stdin closed", ["id": options.id, "errno": code])
            if fd == process.input {
                process.closeInput()
            } else {
                process.pendingInput = []
            }
        }
    }

    /// Milliseconds on the monotonic clock.
    static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }
}
