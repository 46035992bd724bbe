import MonitorClient
import Varlink

/// The container's output, as its monitor logs it: JSON lines
/// `{"time":"...","stream":"stdout","log":"text"}`.
extension TaskManager {
    /// One entry of the container's output log; `data` is base64.
    public struct LogEntry: Codable, Sendable {
        public var time: String
        public var stream: String
        public var data: String
    }

    /// The log file of the container's output (JSON lines written by its monitor).
    public func logPath(_ id: String) -> String {
        directory(id) + "/" + MonitorFiles.containerLog
    }

    /// Parses log lines from `bytes`; returns the entries and how many bytes of a
    /// trailing partial line were left unread.
    static func parseLog(_ bytes: ArraySlice<UInt8>) -> (entries: [LogEntry], consumed: Int) {
        var entries: [LogEntry] = []
        var start = bytes.startIndex
        var consumed = 0
        while let newline = bytes[start...].firstIndex(of: 0x0a) {
            let line = bytes[start..<newline]
            start = newline + 1
            consumed = start - bytes.startIndex
            guard let value = try? JSONParser.parse(line),
                let time = value["time"]?.stringValue,
                let stream = value["stream"]?.stringValue,
                let text = value["log"]?.stringValue
            else { continue }
            entries.append(LogEntry(time: time, stream: stream,
                                    data: Base64.encode(text.utf8)))
        }
        return (entries, consumed)
    }
}
