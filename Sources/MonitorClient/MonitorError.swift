import SystemKit

/// What can go wrong between the daemon and a monitor.
public enum MonitorError: Error, Sendable, CustomStringConvertible {
    /// The runtime could not create the container; `message` is the runtime's own error.
    case createFailed(id: String, message: String)
    /// The monitor ended or went silent before it said whether creation worked.
    case monitorFailed(id: String, reason: String)
    /// No monitor answers on the state directory's socket.
    case notRunning(stateDirectory: String)
    /// The monitor refused or failed a request; `message` is its reason.
    case requestFailed(operation: String, message: String)
    /// The monitor sent something that is not its protocol.
    case protocolViolation(String)
    /// A state file is not what the monitor writes.
    case corruptFile(String)
    /// An argument the caller gave cannot work.
    case invalidArgument(String)
    case system(SystemError)

    public var description: String {
        switch self {
        case .createFailed(let id, let message):
            "create container \(id): \(message)"
        case .monitorFailed(let id, let reason):
            "monitor of container \(id): \(reason)"
        case .notRunning(let directory):
            "no monitor running for \(directory)"
        case .requestFailed(let operation, let message):
            "\(operation): \(message)"
        case .protocolViolation(let detail):
            "monitor protocol: \(detail)"
        case .corruptFile(let path):
            "corrupt monitor file \(path)"
        case .invalidArgument(let detail):
            detail
        case .system(let error):
            error.description
        }
    }
}
