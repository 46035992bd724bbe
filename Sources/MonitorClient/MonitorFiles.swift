#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The names of the files a monitor keeps in its state directory; see docs/monitor.md.
public enum MonitorFiles {
    /// The control and attach socket.
    public static let socket = "monitor.sock"
    /// The monitor's own pid, written once it has detached.
    public static let monitorPid = "monitor.pid"
    /// The pid of the container's init, written by the runtime (`--pid-file`).
    public static let initPid = "init.pid"
    /// The exit record of the container's init, written atomically once it is reaped.
    public static let exit = "exit"
    /// The monitor's own log: one line per event, warnings and errors by default.
    public static let monitorLog = "monitor.log"
    /// The default path of the container's output log, when the spec names none.
    public static let containerLog = "container.log"
    /// Where the runtime's console socket is bound while a terminal is handed over.
    public static let consoleSocket = "console.sock"
    /// Where a runtime command's error output goes while it runs.
    public static let runtimeErrors = "runtime.stderr"

    /// The pid file of the exec'd process `id`.
    public static func execPid(_ id: String) -> String {
        "exec-\(id).pid"
    }

    /// The exit record of the exec'd process `id`.
    public static func execExit(_ id: String) -> String {
        "exec-\(id).exit"
    }

    /// Whether `id` can name a container or an exec'd process: it becomes part of file
    /// names and runtime arguments, so only letters, digits, `_`, `-` and `.` (not first)
    /// are allowed, up to 128 characters.
    public static func isValidIdentifier(_ id: String) -> Bool {
        guard !id.isEmpty, id.utf8.count <= 128, id.utf8.first != UInt8(ascii: ".") else {
            return false
        }
        return id.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
                || byte == UInt8(ascii: ".")
        }
    }

    /// `path` made absolute against the working directory.
    public static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") {
            return path
        }
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buffer, buffer.count) != nil else {
            return path
        }
        let directory = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: directory, as: UTF8.self) + "/" + path
    }
}
