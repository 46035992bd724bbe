#if canImport(Glibc)
import Glibc
#endif
import CRuntime
import CShim
import SystemKit

/// Copies between our stdio and a container's pty master for a foreground `run`, puts
/// our terminal in raw mode meanwhile, passes window size changes and other signals on,
/// and returns the container's exit status. One poll loop, no threads.
struct TerminalRelay {
    let master: Int32
    let signals: Int32
    let pid: Int32

    func run() -> Int32 {
        var saved = termios()
        let isTerminal = tcgetattr(0, &saved) == 0
        if isTerminal {
            var raw = saved
            cfmakeraw(&raw)
            tcsetattr(0, TCSANOW, &raw)
        }
        defer {
            if isTerminal {
                tcsetattr(0, TCSANOW, &saved)
            }
        }
        copyWindowSize()

        var inputOpen = true
        var outputOpen = true
        var buffer = [UInt8](repeating: 0, count: 32768)
        while true {
            var polls = [pollfd(fd: signals, events: Int16(POLLIN), revents: 0),
                         pollfd(fd: outputOpen ? master : -1, events: Int16(POLLIN), revents: 0),
                         pollfd(fd: inputOpen ? 0 : -1, events: Int16(POLLIN), revents: 0)]
            if poll(&polls, 3, -1) < 0 {
                if errno == EINTR { continue }
                return HostProcess.waitForChild(pid)
            }
            if polls[1].revents != 0 {
                let got = read(master, &buffer, buffer.count)
                if got > 0 {
                    try? FileDescriptor.standardOutput.writeAll(buffer[..<got])
                } else {
                    outputOpen = false
                }
            }
            if polls[2].revents != 0 {
                let got = read(0, &buffer, buffer.count)
                if got > 0 {
                    try? FileDescriptor(rawValue: master).writeAll(buffer[..<got])
                } else {
                    inputOpen = false
                }
            }
            if polls[0].revents != 0 {
                var sender: pid_t = 0
                let signal = cruntime_read_signal(signals, &sender)
                if signal == SIGCHLD {
                    if let status = Runtime.reap(pid) {
                        drain(&buffer)
                        return status
                    }
                } else if signal == SIGWINCH {
                    copyWindowSize()
                } else if signal > 0 {
                    kill(pid, signal)
                }
            }
        }
    }

    /// Our terminal's size onto the container's.
    func copyWindowSize() {
        var rows: UInt16 = 0
        var columns: UInt16 = 0
        if cshim_get_winsize(0, &rows, &columns) == 0 {
            _ = cshim_set_winsize(master, rows, columns)
        }
    }

    /// Copies what the container wrote before it exited.
    func drain(_ buffer: inout [UInt8]) {
        _ = cshim_fcntl_int(master, F_SETFL, O_NONBLOCK)
        while true {
            let got = read(master, &buffer, buffer.count)
            guard got > 0 else { return }
            try? FileDescriptor.standardOutput.writeAll(buffer[..<got])
        }
    }
}
