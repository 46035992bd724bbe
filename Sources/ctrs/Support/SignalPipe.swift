#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CShim
import SystemKit

/// Signals as bytes on a pipe, so that the single poll loop of `run`, `exec` and
/// `attach` sees SIGWINCH or SIGTERM as one more readable descriptor: the handler
/// (in C, async-signal-safe) only writes the signal's number.
final class SignalPipe {
    let descriptor: FileDescriptor
    let signals: [Int32]

    /// Catches `signals` from now on.
    init(_ signals: [Int32]) throws(SystemError) {
        self.signals = signals
        let fd = try Syscall.check("sigaction") {
            signals.withUnsafeBufferPointer {
                cshim_signal_pipe_install($0.baseAddress, Int32($0.count))
            }
        }
        descriptor = FileDescriptor(rawValue: fd)
    }

    /// Puts back the default handling of the signals and closes the pipe.
    func close() {
        signals.withUnsafeBufferPointer {
            cshim_signal_pipe_restore($0.baseAddress, Int32($0.count))
        }
        descriptor.close()
    }

    /// The signals received since the last call, in order (the pipe is non-blocking).
    func drain() -> [Int32] {
        var received: [Int32] = []
        var buffer = [UInt8](repeating: 0, count: 64)
        while true {
            let count = buffer.withUnsafeMutableBytes {
                Glibc.read(descriptor.rawValue, $0.baseAddress, $0.count)
            }
            if count <= 0 {
                if count < 0 && errno == EINTR { continue }
                return received
            }
            received.append(contentsOf: buffer[0..<count].map { Int32($0) })
        }
    }
}
