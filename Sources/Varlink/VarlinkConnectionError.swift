import SystemKit

/// A varlink connection that failed below the level of calls and replies.
public enum VarlinkConnectionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call failed: connecting, reading, writing.
    case system(SystemError)
    /// The peer closed the connection before a whole message arrived.
    case closed
    /// The peer sent more than `limit` bytes without a terminating NUL.
    case messageTooLarge(limit: Int)
    /// The peer sent something that is not a varlink message.
    case malformed(String)

    public var description: String {
        switch self {
        case .system(let error): "\(error)"
        case .closed: "connection closed by the peer"
        case .messageTooLarge(let limit): "message larger than \(limit) bytes"
        case .malformed(let reason): "malformed varlink message: \(reason)"
        }
    }
}
