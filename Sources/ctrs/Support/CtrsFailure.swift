/// A failure of ctrs or of the daemon: the message the user reads and the exit status
/// ctrs ends with, following Docker's codes.
struct CtrsFailure: Error, CustomStringConvertible {
    /// ctrs itself failed, or the daemon refused or failed the request.
    static let clientOrDaemon: Int32 = 125
    /// The container's command exists but cannot be executed.
    static let cannotExecute: Int32 = 126
    /// The container's command was not found.
    static let commandNotFound: Int32 = 127

    let message: String
    let exitStatus: Int32

    init(_ message: String, exitStatus: Int32 = CtrsFailure.clientOrDaemon) {
        self.message = message
        self.exitStatus = exitStatus
    }

    var description: String { message }
}
