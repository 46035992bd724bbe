#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemKit

/// A connection that left the varlink protocol after an upgrade reply: from here on
/// its bytes belong to whatever protocol the method defines (terminal bytes for
/// Attach, an archive for Import).
///
/// Bytes the peer sent right behind its last varlink message may already have been
/// read into the varlink buffer; `read` returns those first. The descriptor is closed
/// by `close()` or when the value is released, unless `detach()` took it.
public final class VarlinkUpgradedConnection {
    public let descriptor: FileDescriptor
    var pending: [UInt8]
    var owned = true

    init(descriptor: FileDescriptor, pending: [UInt8]) {
        self.descriptor = descriptor
        self.pending = pending
    }

    deinit {
        close()
    }

    /// Takes the descriptor, and the bytes already read from it, out of this object:
    /// the caller closes the descriptor.
    public func detach() -> (descriptor: FileDescriptor, pending: [UInt8]) {
        owned = false
        defer { pending = [] }
        return (descriptor, pending)
    }

    public func close() {
        if owned {
            owned = false
            descriptor.close()
        }
    }

    /// At most `count` bytes; empty at end of file.
    public func read(upTo count: Int) throws(SystemError) -> [UInt8] {
        if !pending.isEmpty {
            let take = Array(pending.prefix(count))
            pending.removeFirst(take.count)
            return take
        }
        return try descriptor.read(upTo: count)
    }

    /// Everything until the peer shuts down its writing side.
    public func readToEnd() throws(SystemError) -> [UInt8] {
        var all = pending
        pending = []
        all.append(contentsOf: try descriptor.readToEnd())
        return all
    }

    /// Writes all of `bytes` (EPIPE, not SIGPIPE, when the peer is gone).
    public func write(_ bytes: [UInt8]) throws(SystemError) {
        try UnixSocket.sendAll(descriptor, bytes)
    }

    /// Tells the peer that nothing more will be written (it reads end of file).
    public func shutdownWrite() throws(SystemError) {
        try Syscall.check("shutdown") { shutdown(descriptor.rawValue, Int32(SHUT_WR)) }
    }
}
