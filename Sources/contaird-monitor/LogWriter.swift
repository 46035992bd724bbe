#if canImport(Glibc)
import JSON
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import MonitorClient
import SystemKit

/// Writes a container's output to its log file as JSON lines, one per line of output:
/// `{"time":"2026-12-03T17:20:01.123456789Z","stream":"stdout","log":"hello\n"}`
/// (Docker's json-file format). A line longer than `maximumLine` bytes, or one still
/// open when the process ends, is written in pieces without the final newline.
/// Output that is not valid UTF-8 is written with U+FFFD in place of the bad bytes.
final class LogWriter {
    let file: FileDescriptor
    let path: String
    var partial: [MonitorProtocol.Stream: [UInt8]] = [:]
    var failed = false

    static let maximumLine = 16384

    init(path: String) throws {
        self.path = path
        file = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_APPEND, mode: 0o640)
    }

    /// Appends a chunk of one stream's output.
    func append(_ bytes: ArraySlice<UInt8>, stream: MonitorProtocol.Stream) {
        var buffered = partial[stream] ?? []
        var text = ""
        var lineStart = bytes.startIndex
        for index in bytes.indices where bytes[index] == 0x0a {
            buffered += bytes[lineStart...index]
            Self.cutLongLine(&buffered, into: &text, stream: stream)
            text += Self.entry(buffered, stream: stream)
            buffered.removeAll(keepingCapacity: true)
            lineStart = index + 1
        }
        buffered += bytes[lineStart...]
        Self.cutLongLine(&buffered, into: &text, stream: stream)
        partial[stream] = buffered.isEmpty ? nil : buffered
        write(text)
    }

    /// Writes entries of at most `maximumLine` bytes from the front of `line` until the
    /// rest fits in one, cutting between UTF-8 characters.
    static func cutLongLine(_ line: inout [UInt8], into text: inout String,
                            stream: MonitorProtocol.Stream) {
        while line.count > maximumLine {
            var cut = maximumLine
            while cut > maximumLine - 4 && line[cut] & 0xC0 == 0x80 {
                cut -= 1
            }
            text += entry(line[0..<cut], stream: stream)
            line.removeFirst(cut)
        }
    }

    /// Writes out the unfinished lines; called when the process's output ends.
    func flush() {
        var text = ""
        for stream in [MonitorProtocol.Stream.standardOutput, .standardError] {
            if let buffered = partial[stream] {
                text += Self.entry(buffered, stream: stream)
            }
        }
        partial = [:]
        write(text)
    }

    func write(_ text: String) {
        guard !text.isEmpty else {
            return
        }
        do {
            try file.writeAll(text)
        } catch {
            // A full disk must not stop the container: report once, keep serving clients.
            if !failed {
                Logger.shared.error("cannot write the container log", ["path": path,
                                                                       "error": error])
                failed = true
            }
        }
    }

    static func entry<Bytes: Collection>(_ bytes: Bytes, stream: MonitorProtocol.Stream)
        -> String where Bytes.Element == UInt8
    {
        let name = stream == .standardOutput ? "stdout" : "stderr"
        return "{\"time\":\"\(Clock.timestamp())\",\"stream\":\"\(name)\",\"log\":"
            + JSONValue.string(String(decoding: bytes, as: UTF8.self)).jsonText + "}\n"
    }
}

/// Wall-clock time for log entries and exit records.
enum Clock {
    /// Now as RFC 3339 UTC with nanoseconds, such as `2026-12-03T17:20:01.123456789Z`.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return pad(Int(parts.tm_year) + 1900, 4) + "-" + pad(Int(parts.tm_mon) + 1, 2) + "-"
            + pad(Int(parts.tm_mday), 2) + "T" + pad(Int(parts.tm_hour), 2) + ":"
            + pad(Int(parts.tm_min), 2) + ":" + pad(Int(parts.tm_sec), 2) + "."
            + pad(Int(now.tv_nsec), 9) + "Z"
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
