#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization
import SystemKit
import CShim

/// One thing that happened, as `io.contaird.System.Events` streams it.
public struct DaemonEvent: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case container, task, image
    }

    public var time: String
    public var kind: Kind
    public var action: String
    public var subject: String
    public var attributes: [String: String]

    public init(kind: Kind, action: String, subject: String, attributes: [String: String] = [:]) {
        self.time = Logger.timestamp()
        self.kind = kind
        self.action = action
        self.subject = subject
        self.attributes = attributes
    }
}

/// Delivers events to every subscriber without ever blocking the publisher.
///
/// Each subscription owns a bounded queue behind the bus's mutex and a pipe whose read
/// end its reader polls: publishing appends to each queue and writes one byte to wake
/// the reader. A subscriber that falls `capacity` events behind loses the oldest ones
/// and is told how many it missed, rather than slowing the daemon down.
public final class EventBus: Sendable {
    public final class Subscription: Sendable {
        let bus: EventBus
        let id: Int
        /// Readable when events are queued; poll it together with the client's socket.
        public let wakeUp: FileDescriptor
        let wakeUpWriter: FileDescriptor

        init(bus: EventBus, id: Int, pipe: (read: FileDescriptor, write: FileDescriptor)) {
            self.bus = bus
            self.id = id
            self.wakeUp = pipe.read
            self.wakeUpWriter = pipe.write
        }

        /// The queued events (empty when none), and how many were dropped before them.
        public func take() -> (events: [DaemonEvent], dropped: Int) {
            var drain = [UInt8](repeating: 0, count: 64)
            while read(wakeUp.rawValue, &drain, drain.count) > 0 {}
            return bus.queues.withLock { queues in
                guard var queue = queues[id] else { return ([], 0) }
                let result = (queue.events, queue.dropped)
                queue.events.removeAll()
                queue.dropped = 0
                queues[id] = queue
                return result
            }
        }

        /// Ends the subscription and closes its pipe.
        public func cancel() {
            _ = bus.queues.withLock { $0.removeValue(forKey: id) }
            wakeUp.close()
            wakeUpWriter.close()
        }
    }

    struct Queue {
        var events: [DaemonEvent] = []
        var dropped = 0
        let writer: FileDescriptor
    }

    let capacity: Int
    let queues = Mutex<[Int: Queue]>([:])
    let nextID = Atomic<Int>(1)

    public init(capacity: Int = 1024) {
        self.capacity = capacity
    }

    public func subscribe() throws(SystemError) -> Subscription {
        let pipe = try FileDescriptor.pipe()
        for end in [pipe.read, pipe.write] {
            let flags = fcntlFlags(end)
            _ = cshimSetFlags(end, flags | O_NONBLOCK)
        }
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        queues.withLock { $0[id] = Queue(writer: pipe.write) }
        return Subscription(bus: self, id: id, pipe: pipe)
    }

    public func publish(_ event: DaemonEvent) {
        let writers: [FileDescriptor] = queues.withLock { queues in
            var writers: [FileDescriptor] = []
            for (id, var queue) in queues {
                queue.events.append(event)
                if queue.events.count > capacity {
                    queue.events.removeFirst(queue.events.count - capacity)
                    queue.dropped += 1
                }
                queues[id] = queue
                writers.append(queue.writer)
            }
            return writers
        }
        var one: UInt8 = 1
        for writer in writers {
            _ = write(writer.rawValue, &one, 1)
        }
    }

    public var subscriberCount: Int {
        queues.withLock { $0.count }
    }
}

private func fcntlFlags(_ fd: FileDescriptor) -> Int32 {
    cshim_fcntl_int(fd.rawValue, F_GETFL, 0)
}

private func cshimSetFlags(_ fd: FileDescriptor, _ flags: Int32) -> Int32 {
    cshim_fcntl_int(fd.rawValue, F_SETFL, flags)
}
