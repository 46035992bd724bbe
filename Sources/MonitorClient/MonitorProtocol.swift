#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemKit

/// The wire format of the control socket; docs/monitor.md describes it in full.
///
/// One request per connection: the client writes one JSON object and a newline, the
/// monitor answers one JSON object and a newline (`{"ok":true,...}` or
/// `{"ok":false,"error":"..."}`). After a successful `attach` (or `exec` with
/// `"attach":true`) the connection carries the process's bytes: raw both ways with a
/// terminal; without one, raw stdin from the client and framed output from the monitor.
public enum MonitorProtocol {
    /// The longest request line the monitor accepts.
    public static let maximumRequestLength = 65536

    /// The stream numbers of output frames.
    public enum Stream: UInt8, Sendable {
        case standardOutput = 1
        case standardError = 2
    }

    /// The 8-byte header before each output frame without a terminal: the stream number,
    /// three zero bytes, and the payload length as a big-endian 32-bit integer.
    public static func frameHeader(_ stream: Stream, length: Int) -> [UInt8] {
        let size = UInt32(length)
        return [stream.rawValue, 0, 0, 0, UInt8(size >> 24), UInt8((size >> 16) & 0xff),
                UInt8((size >> 8) & 0xff), UInt8(size & 0xff)]
    }

    /// Reads one output frame from a blocking descriptor; nil at end of stream.
    public static func readFrame(_ fd: FileDescriptor)
        throws(MonitorError) -> (stream: Stream, payload: [UInt8])?
    {
        guard let header = try readExactly(fd, 8) else {
            return nil
        }
        guard let stream = Stream(rawValue: header[0]) else {
            throw .protocolViolation("unknown stream \(header[0]) in an output frame")
        }
        let length = Int(header[4]) << 24 | Int(header[5]) << 16 | Int(header[6]) << 8
            | Int(header[7])
        if length == 0 {
            return (stream, [])
        }
        guard let payload = try readExactly(fd, length) else {
            throw .protocolViolation("output frame cut short")
        }
        return (stream, payload)
    }

    /// Reads exactly `count` bytes; nil at end of stream before the first byte.
    static func readExactly(_ fd: FileDescriptor, _ count: Int)
        throws(MonitorError) -> [UInt8]?
    {
        var bytes: [UInt8] = []
        while bytes.count < count {
            let chunk: [UInt8]
            do {
                chunk = try fd.read(upTo: count - bytes.count)
            } catch {
                throw .system(error)
            }
            if chunk.isEmpty {
                if bytes.isEmpty {
                    return nil
                }
                throw .protocolViolation("stream ended inside a frame")
            }
            bytes += chunk
        }
        return bytes
    }

    /// Reads one newline-terminated line byte by byte, so that nothing after the newline
    /// is consumed; nil at end of stream before a newline.
    static func readLine(_ fd: FileDescriptor) throws(MonitorError) -> [UInt8]? {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while line.count < maximumRequestLength {
            let got = Glibc.read(fd.rawValue, &byte, 1)
            if got < 0 {
                let code = currentErrno()
                if code == EINTR {
                    continue
                }
                throw .system(SystemError(call: "read", path: MonitorFiles.socket, errno: code))
            }
            if got == 0 {
                return nil
            }
            if byte == UInt8(ascii: "\n") {
                return line
            }
            line.append(byte)
        }
        throw .protocolViolation("reply line too long")
    }
}
