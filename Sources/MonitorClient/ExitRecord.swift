#if canImport(Glibc)
import JSON
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemKit

/// How a process ended, as the monitor records it durably in the state directory.
public struct ExitRecord: Equatable, Sendable {
    /// The pid the process had.
    public let pid: Int32
    /// The exit status in the shell's convention: the code given to exit(), or 128 plus
    /// the signal number when a signal killed the process.
    public let exitCode: Int32
    /// The signal that killed the process, 0 when it exited by itself.
    public let signal: Int32
    /// When the monitor reaped it, RFC 3339 UTC with nanoseconds.
    public let time: String

    public init(pid: Int32, exitCode: Int32, signal: Int32, time: String) {
        self.pid = pid
        self.exitCode = exitCode
        self.signal = signal
        self.time = time
    }

    /// The record of a wait status as `waitpid` returns it.
    public init(pid: Int32, waitStatus: Int32, time: String) {
        let terminatingSignal = waitStatus & 0x7f
        if terminatingSignal == 0 {
            self.init(pid: pid, exitCode: (waitStatus >> 8) & 0xff, signal: 0, time: time)
        } else {
            self.init(pid: pid, exitCode: 128 + terminatingSignal, signal: terminatingSignal,
                      time: time)
        }
    }

    public var json: JSONValue {
        .object([
            "pid": .int(Int64(pid)),
            "exitCode": .int(Int64(exitCode)),
            "signal": .int(Int64(signal)),
            "time": .string(time),
        ])
    }

    /// The record in `json`, nil when a member is missing.
    public init?(json: JSONValue) {
        guard let pid = json["pid"]?.intValue, let code = json["exitCode"]?.intValue,
              let signal = json["signal"]?.intValue, let time = json["time"]?.stringValue
        else {
            return nil
        }
        self.init(pid: Int32(truncatingIfNeeded: pid), exitCode: Int32(truncatingIfNeeded: code),
                  signal: Int32(truncatingIfNeeded: signal), time: time)
    }

    /// The record in the file at `path`; nil when there is no such file.
    public static func read(_ path: String) throws(MonitorError) -> ExitRecord? {
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.read(path)
        } catch {
            if error.errno == ENOENT {
                return nil
            }
            throw .system(error)
        }
        guard let json = try? JSONParser.parse(bytes), let record = ExitRecord(json: json) else {
            throw .corruptFile(path)
        }
        return record
    }

    /// Writes the record to `path` atomically (a rename), not synced: the state directory
    /// is runtime state, which a crash of the host makes meaningless.
    public func write(_ path: String) throws(SystemError) {
        try FileSystem.writeAtomically(path, text: json.jsonText + "\n", durable: false)
    }
}
