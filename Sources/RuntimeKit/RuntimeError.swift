import SystemKit

/// The one error runcs reports to its callers: a kind from a short fixed list and a
/// lowercase message that names the container, file or call that failed.
///
/// Callers match `code`, never the text; the text keeps the phrases supervisors written
/// for runc look for ("does not exist", "container not running", "no such process").
public struct RuntimeError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case invalidArgument, notFound, alreadyExists, invalidState, unavailable, `internal`
    }

    public let code: Code
    public let message: String
    /// The status runcs exits with for this error when it is not the usual 1, such as
    /// 127 for an exec whose command does not exist (what a shell returns).
    public let exitStatus: Int32?

    public init(_ code: Code, _ message: String, exitStatus: Int32? = nil) {
        self.code = code
        self.message = message
        self.exitStatus = exitStatus
    }

    public var description: String {
        message
    }

    /// `error` with `context` in front, such as "create container bb8: " + the cause.
    static func wrapping(_ error: any Error, _ context: String) -> RuntimeError {
        if let runtime = error as? RuntimeError {
            return RuntimeError(runtime.code, "\(context): \(runtime.message)",
                                exitStatus: runtime.exitStatus)
        }
        return RuntimeError(.internal, "\(context): \(error)")
    }
}

extension RuntimeError {
    static func noSuchContainer(_ id: String) -> RuntimeError {
        RuntimeError(.notFound, "container \"\(id)\" does not exist")
    }

    static func notRunning(_ id: String) -> RuntimeError {
        RuntimeError(.invalidState, "container \"\(id)\": container not running")
    }
}
