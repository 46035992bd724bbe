#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// One line per event: time, level, message and key=value fields, quiet by default.
///
/// Text form:  `time=2026-12-03T17:20:01.123Z level=info msg="container started" id=b1`
/// JSON form:  `{"time":"...","level":"info","msg":"container started","id":"b1"}`
///
/// Thread-safe: the configuration sits behind a `Mutex`, and each line is one write.
public final class Logger: Sendable {
    public enum Level: Int, Comparable, Sendable, CaseIterable {
        case debug, info, warning, error

        public var name: String {
            switch self {
            case .debug: "debug"
            case .info: "info"
            case .warning: "warning"
            case .error: "error"
            }
        }

        /// Parses "debug", "info", "warn"/"warning" or "error".
        public init?(name: String) {
            switch name.lowercased() {
            case "debug": self = .debug
            case "info": self = .info
            case "warn", "warning": self = .warning
            case "error": self = .error
            default: return nil
            }
        }

        public static func < (lhs: Level, rhs: Level) -> Bool {
            lhs.rawValue < rhs.rawValue
        }
    }

    public enum Format: Sendable {
        case text, json
    }

    struct Configuration {
        var level: Level
        var format: Format
        var output: FileDescriptor
    }

    private let configuration: Mutex<Configuration>

    public init(
        level: Level = .warning,
        format: Format = .text,
        output: FileDescriptor = .standardError
    ) {
        configuration = Mutex(Configuration(level: level, format: format, output: output))
    }

    /// The process-wide logger; binaries configure it once at start.
    public static let shared = Logger()

    public func configure(level: Level? = nil, format: Format? = nil,
                          output: FileDescriptor? = nil) {
        configuration.withLock { config in
            if let level { config.level = level }
            if let format { config.format = format }
            if let output { config.output = output }
        }
    }

    public var level: Level {
        configuration.withLock { $0.level }
    }

    public func debug(_ message: String, _ fields: KeyValuePairs<String, Any> = [:]) {
        log(.debug, message, fields)
    }

    public func info(_ message: String, _ fields: KeyValuePairs<String, Any> = [:]) {
        log(.info, message, fields)
    }

    public func warning(_ message: String, _ fields: KeyValuePairs<String, Any> = [:]) {
        log(.warning, message, fields)
    }

    public func error(_ message: String, _ fields: KeyValuePairs<String, Any> = [:]) {
        log(.error, message, fields)
    }

    public func log(_ level: Level, _ message: String, _ fields: KeyValuePairs<String, Any>) {
        let config = configuration.withLock { $0 }
        guard level >= config.level else {
            return
        }
        var pairs: [(String, String)] = [("time", Self.timestamp()), ("level", level.name),
                                         ("msg", message)]
        for (key, value) in fields {
            pairs.append((key, "\(value)"))
        }
        let line = switch config.format {
        case .text: Self.textLine(pairs)
        case .json: Self.jsonLine(pairs)
        }
        try? config.output.writeAll(line + "\n")
    }

    static func textLine(_ pairs: [(String, String)]) -> String {
        pairs.map { key, value in
            let plain = !value.isEmpty && value.allSatisfy { $0 != " " && $0 != "\"" && $0 != "=" }
            return plain ? "\(key)=\(value)" : "\(key)=\(jsonQuoted(value))"
        }.joined(separator: " ")
    }

    static func jsonLine(_ pairs: [(String, String)]) -> String {
        "{" + pairs.map { "\(jsonQuoted($0.0)):\(jsonQuoted($0.1))" }.joined(separator: ",") + "}"
    }

    /// `text` as a JSON string literal.
    public static func jsonQuoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// The current time as RFC 3339 UTC with milliseconds.
    public static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-"
            + "\(pad(parts.tm_mday, 2))T\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):"
            + "\(pad(parts.tm_sec, 2)).\(pad(Int32(now.tv_nsec / 1_000_000), 3))Z"
    }
}
