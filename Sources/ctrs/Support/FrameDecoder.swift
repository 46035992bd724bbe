/// Splits the byte stream of a process without a terminal into its frames: an 8-byte
/// header (byte 0 is 1 for stdout, 2 for stderr; bytes 4-7 the payload's length,
/// big-endian) and the payload (io.contaird.Tasks).
struct FrameDecoder {
    enum Stream: UInt8 {
        case stdout = 1
        case stderr = 2
    }

    struct MalformedFrame: Error, CustomStringConvertible {
        let streamByte: UInt8
        var description: String { "malformed output frame (stream byte \(streamByte))" }
    }

    static let headerSize = 8

    private var buffer: [UInt8] = []

    /// Adds `bytes` and returns every frame they complete, in order.
    mutating func feed<Bytes: Collection<UInt8>>(_ bytes: Bytes) throws(MalformedFrame)
        -> [(Stream, [UInt8])]
    {
        buffer.append(contentsOf: bytes)
        var frames: [(Stream, [UInt8])] = []
        var offset = 0
        while buffer.count - offset >= Self.headerSize {
            guard let stream = Stream(rawValue: buffer[offset]) else {
                throw MalformedFrame(streamByte: buffer[offset])
            }
            var length = 0
            for index in 4..<8 {
                length = length << 8 | Int(buffer[offset + index])
            }
            let end = offset + Self.headerSize + length
            guard end <= buffer.count else {
                break
            }
            frames.append((stream, Array(buffer[(offset + Self.headerSize)..<end])))
            offset = end
        }
        buffer.removeFirst(offset)
        return frames
    }

    /// Whether bytes of an unfinished frame are left over.
    var hasPartialFrame: Bool { !buffer.isEmpty }
}
