#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CShim
import Synchronization
import SystemKit

/// A varlink service on a Unix socket.
///
/// Threading: one thread accepts connections, and each connection gets a thread of its
/// own that reads a call, runs its handler, writes the replies and reads the next
/// call. The protocol makes a connection sequential anyway, handlers may block (a
/// `Wait`, an `Attach` relaying terminal bytes) without holding up anyone else, and a
/// blocked thread costs only its stack's touched pages. A poll loop would need every
/// handler to be asynchronous for no gain at contaird's scale (tens of clients).
///
/// Shared state (the services, the live connections, whether the server is stopping)
/// sits behind `Mutex`es; everything else belongs to one connection's thread.
///
/// A message that is not JSON, not an object or has no method gets an error reply and
/// the connection is closed; so does one that grows past `maximumMessageSize` without
/// its NUL. Other connections never notice.
public final class VarlinkServer: Sendable {
    /// What `org.varlink.service.GetInfo` tells about the service.
    public struct Identity: Sendable {
        public var vendor: String
        public var product: String
        public var version: String
        public var url: String

        public init(vendor: String, product: String, version: String, url: String) {
            self.vendor = vendor
            self.product = product
            self.version = version
            self.url = url
        }
    }

    /// Decides whether a peer may use the service at all; a refused peer's calls are
    /// answered with `org.varlink.service.PermissionDenied` and its connection closed.
    public typealias Authorizer = @Sendable (PeerCredentials) -> Bool

    /// Turns an error that a handler threw, other than a `VarlinkError`, into the
    /// error reply the caller gets.
    public typealias ErrorTranslator = @Sendable (any Error) -> VarlinkError

    public let identity: Identity
    public let maximumMessageSize: Int
    /// Whether replies are checked against the methods' output types, and errors
    /// against their definitions, before they are sent; a mismatch is logged and
    /// answered through `translateError`. For tests and development: it costs a walk
    /// over every reply.
    public let validateReplies: Bool
    let authorize: Authorizer?
    let translateError: ErrorTranslator
    let logger: Logger

    struct Registry {
        var order: [String] = []
        var services: [String: VarlinkService] = [:]
    }

    struct Connection {
        var descriptor: Int32?
        var busy: Bool
    }

    struct Live {
        var listener: FileDescriptor?
        var socketPath: String?
        var acceptRunning = false
        var stopping = false
        /// The live connections by serial number: the socket while it carries varlink
        /// (nil once upgraded: it belongs to the handler then) and whether a call is in
        /// progress. Serial numbers, not descriptors, are the keys: a descriptor closed
        /// by an upgraded handler may come back from accept while its thread still runs.
        var connections: [Int: Connection] = [:]
        var nextSerial = 0
    }

    let registry = Mutex(Registry())
    let live = Mutex(Live())

    public init(
        identity: Identity,
        authorize: Authorizer? = nil,
        maximumMessageSize: Int = VarlinkConnection.defaultMaximumMessageSize,
        validateReplies: Bool = false,
        logger: Logger = .shared,
        translateError: @escaping ErrorTranslator = VarlinkServer.internalError
    ) {
        self.identity = identity
        self.authorize = authorize
        self.maximumMessageSize = maximumMessageSize
        self.validateReplies = validateReplies
        self.logger = logger
        self.translateError = translateError
    }

    /// The default translation of an unexpected error: `org.varlink.service.InternalError`
    /// is not a standard error, so a daemon should pass a translator to its own error
    /// (contaird uses io.contaird.System.InternalError).
    public static let internalError: ErrorTranslator = { error in
        VarlinkError("org.varlink.service.InternalError",
                     parameters: ["message": .string("\(error)")])
    }

    /// Adds (or replaces) the service of an interface. Calls to it are served from
    /// then on, also on connections already open.
    public func register(_ service: VarlinkService) {
        precondition(service.interface.name != VarlinkError.serviceInterface,
                     "org.varlink.service is served by VarlinkServer itself")
        registry.withLock { registry in
            if registry.services.updateValue(service, forKey: service.interface.name) == nil {
                registry.order.append(service.interface.name)
            }
        }
    }

    /// The names of the served interfaces, org.varlink.service first.
    public var interfaceNames: [String] {
        [VarlinkError.serviceInterface] + registry.withLock { $0.order }
    }

    /// Listens at `path` (see `UnixSocket.listen` for how the socket appears with its
    /// final mode and group at once) and starts accepting connections.
    public func listen(at path: String, mode: mode_t = 0o660, group: gid_t? = nil,
                       backlog: Int32 = 128) throws(SystemError) {
        let listener = try UnixSocket.listen(at: path, mode: mode, group: group,
                                             backlog: backlog)
        do {
            try serve(listener: listener, socketPath: path)
        } catch {
            listener.close()
            unlink(path)
            throw error
        }
    }

    /// Starts accepting connections on `listener`, a listening stream socket (one
    /// handed over by socket activation, say). `socketPath`, when given, is removed
    /// when the server stops.
    public func serve(listener: FileDescriptor, socketPath: String? = nil)
        throws(SystemError)
    {
        live.withLock { live in
            precondition(live.listener == nil && !live.stopping, "server already started")
            live.listener = listener
            live.socketPath = socketPath
            live.acceptRunning = true
        }
        do {
            try DetachedThread.start(name: "varlink-accept") { [self] in
                acceptLoop(listener)
            }
        } catch {
            live.withLock { $0.listener = nil; $0.acceptRunning = false }
            throw error
        }
    }

    /// The number of open connections.
    public var connectionCount: Int {
        live.withLock { $0.connections.count }
    }

    /// Stops serving: no new connections; idle connections are closed; calls in
    /// progress may finish for `gracePeriod`, after which their connections are shut
    /// down too (their handlers' next write fails). Returns when every connection
    /// thread has ended, or a second after the grace period when a handler ignores
    /// both its closed connection and `isCancelled`.
    public func stop(gracePeriod: Duration = .seconds(5)) {
        live.withLock { live in
            live.stopping = true
            for entry in live.connections.values where !entry.busy {
                if let fd = entry.descriptor {
                    shutdown(fd, Int32(SHUT_RDWR))
                }
            }
            // Wakes the accept loop, which closes the listener and removes the socket
            // (under this lock, so the listener is still open here).
            if let listener = live.listener {
                shutdown(listener.rawValue, Int32(SHUT_RDWR))
            }
        }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: gracePeriod)
        while !isIdle(), clock.now < deadline {
            Self.sleep(milliseconds: 2)
        }
        live.withLock { live in
            for case let fd? in live.connections.values.map(\.descriptor) {
                shutdown(fd, Int32(SHUT_RDWR))
            }
        }
        let lastDeadline = clock.now.advanced(by: .seconds(1))
        while !isIdle(), clock.now < lastDeadline {
            Self.sleep(milliseconds: 2)
        }
    }

    func isIdle() -> Bool {
        live.withLock { $0.connections.isEmpty && !$0.acceptRunning }
    }

    var isStopping: Bool {
        live.withLock { $0.stopping }
    }

    static func sleep(milliseconds: Int) {
        var request = timespec(tv_sec: 0, tv_nsec: milliseconds * 1_000_000)
        _ = nanosleep(&request, nil)
    }

    // MARK: Accepting

    func acceptLoop(_ listener: FileDescriptor) {
        while true {
            let fd = cshim_accept_cloexec(listener.rawValue)
            if fd < 0 {
                let code = currentErrno()
                if isStopping {
                    break
                }
                switch code {
                case EINTR, ECONNABORTED, EPROTO:
                    continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    // Out of descriptors or memory: wait for connections to end.
                    logger.warning("cannot accept connection",
                                   ["error": SystemError(call: "accept4", errno: code)])
                    Self.sleep(milliseconds: 50)
                    continue
                default:
                    logger.error("accept loop ended",
                                 ["error": SystemError(call: "accept4", errno: code)])
                }
                break
            }
            let serial = live.withLock { live -> Int? in
                guard !live.stopping else { return nil }
                live.nextSerial += 1
                live.connections[live.nextSerial] = Connection(descriptor: fd, busy: false)
                return live.nextSerial
            }
            guard let serial else {
                Glibc.close(fd)
                break
            }
            let connection = FileDescriptor(rawValue: fd)
            do {
                try DetachedThread.start(name: "varlink-conn") { [self] in
                    serveConnection(connection, serial: serial)
                }
            } catch {
                logger.warning("cannot start connection thread", ["error": error])
                live.withLock { _ = $0.connections.removeValue(forKey: serial) }
                connection.close()
            }
        }
        let path = live.withLock { live -> String? in
            live.listener = nil
            return live.socketPath
        }
        listener.close()
        if let path {
            unlink(path)
        }
        // Only now may stop() return: the socket file is gone.
        live.withLock { $0.acceptRunning = false }
    }

    // MARK: Serving one connection

    /// Marks the connection busy (inside a call) or idle; returns false when the server
    /// is stopping and an idle connection should end.
    func mark(_ serial: Int, busy: Bool) -> Bool {
        live.withLock { live in
            live.connections[serial]?.busy = busy
            return busy || !live.stopping
        }
    }

    /// Forgets the socket of an upgraded connection: it belongs to the handler now, and
    /// `stop` must not shut it down, nor anything that reuses its number.
    func releaseDescriptor(of serial: Int) {
        live.withLock { $0.connections[serial]?.descriptor = nil }
    }

    func serveConnection(_ fd: FileDescriptor, serial: Int) {
        let connection = VarlinkConnection(descriptor: fd,
                                           maximumMessageSize: maximumMessageSize)
        defer {
            // Out of the table before it is closed, so that stop never shuts down a
            // descriptor number that accept may already have handed out again.
            live.withLock { _ = $0.connections.removeValue(forKey: serial) }
            connection.close()
        }
        let peer: PeerCredentials
        do {
            peer = try PeerCredentials(of: fd)
        } catch {
            logger.warning("cannot read peer credentials", ["error": error])
            return
        }
        let authorized = authorize?(peer) ?? true
        if !authorized {
            logger.info("peer refused", ["pid": peer.pid, "uid": peer.uid])
            // It gets PermissionDenied for its first call; one that never calls does
            // not keep a thread for long.
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(fd.rawValue, SOL_SOCKET, SO_RCVTIMEO, &timeout,
                       socklen_t(MemoryLayout<timeval>.size))
        }

        while mark(serial, busy: false) {
            let message: JSONObject
            do {
                guard let received = try connection.receive() else {
                    return
                }
                message = received
            } catch {
                refuse(error, on: connection, peer: peer)
                return
            }
            guard mark(serial, busy: true) else {
                return
            }
            if !authorized {
                try? connection.send(["error": .string(VarlinkError.permissionDenied.name)])
                return
            }
            guard serveCall(message, on: connection, peer: peer, serial: serial) else {
                return
            }
        }
    }

    /// Answers a connection-level failure with an error when there is a peer to tell.
    func refuse(_ error: VarlinkConnectionError, on connection: VarlinkConnection,
                peer: PeerCredentials) {
        let reply: VarlinkError
        switch error {
        case .messageTooLarge(let limit):
            reply = VarlinkError(VarlinkServer.messageTooLarge,
                                 parameters: ["limit": .int(Int64(limit))])
        case .malformed(let reason):
            reply = VarlinkError(VarlinkServer.malformedMessage,
                                 parameters: ["reason": .string(reason)])
        case .closed, .system:
            logger.debug("connection ended", ["pid": peer.pid, "error": error])
            return
        }
        logger.warning("closing connection", ["pid": peer.pid, "uid": peer.uid,
                                              "error": error])
        var message: JSONObject = ["error": .string(reply.name)]
        message["parameters"] = .object(reply.parameters)
        try? connection.send(message)
    }

    /// The error a message gets when it is not a varlink call at all. Not a standard
    /// varlink error (the protocol names none for this): ours, documented in
    /// docs/varlink.md.
    public static let malformedMessage = "io.contaird.varlink.MalformedMessage"

    /// The error a message gets when it grows past the server's limit.
    public static let messageTooLarge = "io.contaird.varlink.MessageTooLarge"
}
