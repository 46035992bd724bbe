#if canImport(Glibc)
import Glibc
#endif
import CRuntime
import SystemKit

/// Facts about a host process read from /proc, and waiting for one to end.
enum HostProcess {
    /// The start time of `pid` in clock ticks since boot, or nil when it is gone or a
    /// zombie (a zombie has finished running; only its exit status is left).
    static func startTime(of pid: Int32) -> UInt64? {
        guard pid > 0, let text = try? FileSystem.readText("/proc/\(pid)/stat") else {
            return nil
        }
        // The command name in parentheses may hold spaces: fields start after the last ')'.
        guard let close = text.lastIndex(of: ")") else {
            return nil
        }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is the state (field 3), so field 22 (starttime) is fields[19].
        guard fields.count > 19, fields[0] != "Z", fields[0] != "X" else {
            return nil
        }
        return UInt64(fields[19])
    }

    /// Whether the process `pid` started at `startTime` is still running.
    static func isAlive(_ pid: Int32, startTime: UInt64) -> Bool {
        self.startTime(of: pid) == startTime
    }

    /// Waits until `pid` has exited, whether or not it is our child.
    static func waitForExit(_ pid: Int32, timeoutMilliseconds: Int32 = 10_000) {
        let fd = cruntime_pidfd_open(pid)
        if fd < 0 {
            return
        }
        defer { close(fd) }
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        _ = poll(&poller, 1, timeoutMilliseconds)
    }

    /// The exit status of our child `pid` as a shell reports it: the code, or 128 plus
    /// the signal that killed it.
    static func waitForChild(_ pid: Int32) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR {
                return 255
            }
        }
        return exitCode(fromWaitStatus: status)
    }

    /// Decodes a wait status into what a shell would print as `$?`.
    static func exitCode(fromWaitStatus status: Int32) -> Int32 {
        let signal = status & 0x7f
        if signal == 0 {
            return (status >> 8) & 0xff
        }
        return 128 + signal
    }
}
