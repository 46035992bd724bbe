import SystemKit

extension VarlinkReplier {
    /// The caller's connection, for a handler that blocks waiting for something (an
    /// exit, an event) and wants to poll for the caller's hang-up at the same time. It
    /// must not read from or write to it.
    public var callerDescriptor: FileDescriptor {
        connection.descriptor
    }
}
