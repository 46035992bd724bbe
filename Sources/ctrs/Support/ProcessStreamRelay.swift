#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CShim
import SystemKit

/// Carries a container process's input and output between ctrs's standard streams and
/// a connection upgraded by Tasks.Start, Exec or Attach, in one poll loop on the
/// calling thread (no other thread, no Dispatch).
///
/// - connection → ctrs: with a terminal, raw bytes to stdout; without, 8-byte frames
///   split to stdout and stderr. The connection's end of file ends the relay.
/// - stdin → connection (when forwarding input): buffered, so that a process that
///   does not read cannot block its own output; stdin's end of file becomes
///   shutdown(SHUT_WR) without a terminal (it closes the process's stdin).
/// - signals: each one caught by `signals` goes to `onSignal`, which returns false to
///   end the relay at once.
struct ProcessStreamRelay {
    enum Outcome {
        case outputEnded
        case stoppedBySignal(Int32)
    }

    /// Input waiting for the connection above this size pauses reading stdin.
    static let inputBufferLimit = 256 * 1024

    let connection: FileDescriptor
    let tty: Bool
    let forwardInput: Bool
    let signals: SignalPipe?
    let onSignal: (Int32) -> Bool

    /// Output bytes that came behind the upgrade reply, delivered first.
    private var pendingOutput: [UInt8]
    private var toProcess: [UInt8]
    private var inputOpen: Bool
    private var inputShutDown = false
    private var frames = FrameDecoder()

    /// `pending` holds output bytes already read behind the upgrade reply.
    init(connection: FileDescriptor, pending: [UInt8], tty: Bool, forwardInput: Bool,
         signals: SignalPipe?, onSignal: @escaping (Int32) -> Bool)
    {
        self.connection = connection
        self.tty = tty
        self.forwardInput = forwardInput
        self.signals = signals
        self.onSignal = onSignal
        self.toProcess = []
        self.inputOpen = forwardInput
        self.pendingOutput = pending
    }

    /// Relays until the process's output ends or a signal stops it.
    mutating func run() throws(CtrsFailure) -> Outcome {
        // Non-blocking, so that input waits in `toProcess` instead of blocking the loop.
        let flags = cshim_fcntl_int(connection.rawValue, F_GETFL, 0)
        _ = cshim_fcntl_int(connection.rawValue, F_SETFL, flags | O_NONBLOCK)
        if !pendingOutput.isEmpty {
            try deliver(pendingOutput)
            pendingOutput = []
        }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            var entries = [
                pollfd(fd: connection.rawValue,
                       events: Int16(POLLIN) | (toProcess.isEmpty ? 0 : Int16(POLLOUT)),
                       revents: 0),
                pollfd(fd: readingInput ? 0 : -1, events: Int16(POLLIN), revents: 0),
                pollfd(fd: signals?.descriptor.rawValue ?? -1, events: Int16(POLLIN),
                       revents: 0),
            ]
            if poll(&entries, 3, -1) < 0 {
                if errno == EINTR { continue }
                throw CtrsFailure("poll: \(SystemError(call: "poll", errno: errno).reason)")
            }

            if entries[2].revents != 0, let signals {
                for signal in signals.drain() where !onSignal(signal) {
                    return .stoppedBySignal(signal)
                }
            }

            if entries[0].revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                let count = buffer.withUnsafeMutableBytes {
                    read(connection.rawValue, $0.baseAddress, $0.count)
                }
                if count == 0 {
                    guard tty || !frames.hasPartialFrame else {
                        throw CtrsFailure("the daemon closed the output in the middle of a frame")
                    }
                    return .outputEnded
                }
                if count < 0 {
                    if errno != EAGAIN && errno != EINTR {
                        if errno == ECONNRESET { return .outputEnded }
                        let error = SystemError(call: "read", errno: errno)
                        throw CtrsFailure("reading the container's output: \(error.reason)")
                    }
                } else {
                    try deliver(buffer[0..<count])
                }
            }

            if entries[0].revents & Int16(POLLOUT) != 0 {
                flushInput()
            }

            if entries[1].revents != 0 {
                readInput(into: &buffer)
            }
        }
    }

    private var readingInput: Bool {
        inputOpen && toProcess.count < Self.inputBufferLimit
    }

    /// Writes output bytes to stdout (terminal) or splits frames to stdout and stderr.
    private mutating func deliver<Bytes: Collection<UInt8>>(_ bytes: Bytes)
        throws(CtrsFailure)
    {
        if tty {
            try? FileDescriptor.standardOutput.writeAll(bytes)
            return
        }
        do {
            for (stream, payload) in try frames.feed(bytes) {
                let target: FileDescriptor = stream == .stdout ? .standardOutput : .standardError
                try? target.writeAll(payload)
            }
        } catch {
            throw CtrsFailure("the daemon sent a \(error)")
        }
    }

    /// Reads what stdin has and queues it for the process; end of file closes input.
    private mutating func readInput(into buffer: inout [UInt8]) {
        let count = buffer.withUnsafeMutableBytes {
            read(0, $0.baseAddress, $0.count)
        }
        if count < 0 && (errno == EINTR || errno == EAGAIN) {
            return
        }
        guard count > 0 else {
            inputOpen = false
            shutDownInputWhenFlushed()
            return
        }
        toProcess.append(contentsOf: buffer[0..<count])
        flushInput()
    }

    /// Sends as much queued input as the connection takes now.
    private mutating func flushInput() {
        while !toProcess.isEmpty {
            let sent = toProcess.withUnsafeBytes {
                send(connection.rawValue, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN { return }
                // The daemon no longer takes input: the process's stdin is gone.
                toProcess = []
                inputOpen = false
                return
            }
            toProcess.removeFirst(sent)
        }
        shutDownInputWhenFlushed()
    }

    /// Passes stdin's end of file on once every queued byte is sent (no terminal only:
    /// a terminal has no end of file to pass).
    private mutating func shutDownInputWhenFlushed() {
        guard !inputOpen, toProcess.isEmpty, !inputShutDown, forwardInput, !tty else {
            return
        }
        inputShutDown = true
        _ = shutdown(connection.rawValue, Int32(SHUT_WR))
    }
}
