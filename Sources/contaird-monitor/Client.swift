import MonitorClient
import SystemKit

/// A connection to the control socket: first one request line, then, once attached, the
/// process's byte stream.
final class Client {
    let connection: FileDescriptor
    /// Request bytes received so far, until the newline.
    var request: [UInt8] = []
    /// The process this client is attached to, after a successful attach.
    var target: SupervisedProcess?
    /// The process whose exit this client waits for (a `wait` request).
    var awaited: SupervisedProcess?
    /// Whether what the client sends goes to the process's stdin.
    var sendsInput = false
    /// Whether the client has shut down its sending side.
    var inputEnded = false
    /// Bytes waiting for the client to read them.
    var pending: [UInt8] = []
    /// Close once `pending` is written (the reply of a one-shot request, or the end of
    /// an attach after the process has exited).
    var closeWhenFlushed = false
    /// After the process has exited, a client that does not read is dropped at this time.
    var closeDeadline: Int64 = 0

    /// When the client connected, on the monotonic clock in milliseconds.
    let connectedAt: Int64

    /// A client that lets this much output pile up unread is disconnected.
    static let maximumPending = 4 << 20

    init(connection: FileDescriptor, connectedAt: Int64) {
        self.connection = connection
        self.connectedAt = connectedAt
    }
}
