#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemKit

/// One end of a varlink stream: NUL-terminated JSON objects in both directions.
///
/// Reads go through a buffer: one read may bring several messages, or part of one;
/// `receive()` hands them out one at a time and keeps the rest. A message that grows
/// past `maximumMessageSize` bytes without its NUL is refused. Used by one thread at a
/// time (a connection is sequential by the protocol); it is not Sendable.
public final class VarlinkConnection {
    /// 8 MiB, far above any message contaird sends.
    public static let defaultMaximumMessageSize = 8 << 20

    public let descriptor: FileDescriptor
    public let maximumMessageSize: Int

    /// Bytes read and not yet handed out start at `start`; `scanned` bytes past it
    /// are known to hold no NUL.
    var buffer: [UInt8] = []
    var start = 0
    var scanned = 0
    var closed = false
    /// Where reads land before their bytes join `buffer`.
    let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 8)

    public init(descriptor: FileDescriptor,
                maximumMessageSize: Int = VarlinkConnection.defaultMaximumMessageSize) {
        self.descriptor = descriptor
        self.maximumMessageSize = maximumMessageSize
    }

    deinit {
        close()
        scratch.deallocate()
    }

    /// Closes the descriptor (once).
    public func close() {
        if !closed {
            closed = true
            descriptor.close()
        }
    }

    /// Gives up ownership of the descriptor: `close()` and deinit will not close it.
    public func releaseDescriptor() -> FileDescriptor {
        closed = true
        return descriptor
    }

    /// The next message's JSON bytes (without the NUL), or nil when the peer closed the
    /// connection between messages.
    public func receiveBytes() throws(VarlinkConnectionError) -> ArraySlice<UInt8>? {
        while true {
            if let end = nextTerminator() {
                guard end - start <= maximumMessageSize else {
                    throw .messageTooLarge(limit: maximumMessageSize)
                }
                let message = buffer[start..<end]
                start = end + 1
                scanned = 0
                return message
            }
            if buffer.count - start > maximumMessageSize {
                throw .messageTooLarge(limit: maximumMessageSize)
            }
            if try fill() == 0 {
                if buffer.count > start {
                    throw .closed
                }
                return nil
            }
        }
    }

    /// The next message as a JSON object, or nil when the peer closed the connection
    /// between messages.
    public func receive() throws(VarlinkConnectionError) -> JSONObject? {
        guard let bytes = try receiveBytes() else {
            return nil
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw .malformed(error.description)
        }
        guard case .object(let object) = value else {
            throw .malformed("expected a JSON object, got \(value.typeName)")
        }
        return object
    }

    /// Sends `message` and its terminating NUL.
    public func send(_ message: JSONObject) throws(VarlinkConnectionError) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        message.write(to: &bytes)
        bytes.append(0)
        do {
            try UnixSocket.sendAll(descriptor, bytes)
        } catch {
            throw .system(error)
        }
    }

    /// The bytes read past the last message handed out, which belong to whatever
    /// protocol follows an upgrade; the buffer is empty afterwards.
    public func takeBufferedBytes() -> [UInt8] {
        let rest = Array(buffer[start...])
        buffer = []
        start = 0
        scanned = 0
        return rest
    }

    /// Whether a complete message or a part of one is waiting in the buffer.
    public var hasBufferedBytes: Bool {
        buffer.count > start
    }

    func nextTerminator() -> Int? {
        let from = start + scanned
        guard from < buffer.count else {
            return nil
        }
        let found = buffer.withUnsafeBufferPointer { pointer -> Int? in
            let base = pointer.baseAddress! + from
            guard let hit = memchr(base, 0, pointer.count - from) else {
                return nil
            }
            return from + (UnsafeRawPointer(hit) - UnsafeRawPointer(base))
        }
        if found == nil {
            scanned = buffer.count - start
        }
        return found
    }

    /// Reads more bytes into the buffer; returns how many (0 at end of file).
    func fill() throws(VarlinkConnectionError) -> Int {
        // Drop what was handed out before growing.
        if start > 0 && (start == buffer.count || start > Self.chunkSize) {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        let got: Int
        do {
            got = try Syscall.check("read") {
                Glibc.read(descriptor.rawValue, scratch.baseAddress, scratch.count)
            }
        } catch {
            if error.errno == ECONNRESET {
                return 0
            }
            throw .system(error)
        }
        buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[..<got]))
        return got
    }

    static let chunkSize = 65536
}
