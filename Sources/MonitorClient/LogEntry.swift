import JSON
import SystemKit

/// One entry of a container's output log (see docs/monitor.md, "The output log").
public struct LogEntry: Equatable, Sendable {
    /// When the monitor read the output, RFC 3339 UTC with nanoseconds.
    public let time: String
    public let stream: MonitorProtocol.Stream
    /// The output itself; a complete line ends with a newline.
    public let text: String

    public init(time: String, stream: MonitorProtocol.Stream, text: String) {
        self.time = time
        self.stream = stream
        self.text = text
    }

    /// The entry in one line of the log, nil for a line that is not one.
    public init?(line: some StringProtocol) {
        guard let json = try? JSONParser.parse(String(line)),
              let time = json["time"]?.stringValue, let text = json["log"]?.stringValue
        else {
            return nil
        }
        switch json["stream"]?.stringValue {
        case "stdout": stream = .standardOutput
        case "stderr": stream = .standardError
        default: return nil
        }
        self.time = time
        self.text = text
    }

    /// The entries of the log at `path`, or only the last `tail` of them. An incomplete
    /// last line (the monitor may be writing it) is left out.
    public static func read(_ path: String, tail: Int? = nil) throws(MonitorError) -> [LogEntry] {
        let text: String
        do {
            text = try FileSystem.readText(path)
        } catch {
            throw .system(error)
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        if !text.hasSuffix("\n"), !lines.isEmpty {
            lines.removeLast()
        }
        let entries = lines.compactMap { LogEntry(line: $0) }
        guard let tail else {
            return entries
        }
        return Array(entries.suffix(max(0, tail)))
    }
}
