#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ContairdAPI
import ImageStore
import Synchronization
import SystemKit
import Varlink

/// The daemon: the image store, the containers, their tasks, and the varlink server
/// that exposes them (docs/api). `contaird` builds one, starts it and stops it on
/// SIGTERM; tests build private ones on private roots and sockets.
///
/// Threading: the varlink server runs each connection on a thread of its own; calls on
/// one container are serialized by a per-container lock (`withContainerLock`), calls on
/// different containers run in parallel. The image store has its own lock.
public final class Daemon: Sendable {
    public let configuration: DaemonConfiguration
    public let images: ImageService
    public let containers: ContainerStore
    public let tasks: TaskManager
    public let events: EventBus
    let server: VarlinkServer
    let lock: DirectoryLock
    let containerLocks = Mutex<[String: ContainerLock]>([:])
    /// autoRemove containers started by an attached client, whose Wait removes them
    /// (see Daemon+AutoRemove.swift).
    let removalClaims = RemovalClaims()
    /// Exit statuses of removed `--rm` containers, for late Waits (Daemon+RemovedExits).
    let removedExits = Mutex<[String: (exit: ExitInfo, expires: Double)]>([:])
    let startedAt = Logger.timestamp()

    public init(configuration: DaemonConfiguration) throws {
        self.configuration = configuration
        for directory in [configuration.root, configuration.state,
                          configuration.containersDirectory,
                          configuration.networkNamespacesDirectory, configuration.runtimeRoot(),
                          FileSystem.parent(of: configuration.socketPath)] {
            try FileSystem.createDirectory(directory, mode: 0o711)
        }
        do {
            lock = try DirectoryLock.acquire(in: configuration.root, name: "contaird.lock")
        } catch {
            throw DaemonError.rootInUse(root: configuration.root, detail: error.description)
        }
        var options = ImageService.Options()
        if let name = configuration.snapshotter {
            guard let kind = SnapshotterKind(userName: name) else {
                throw DaemonError.invalidSetting("unknown snapshotter \"\(name)\": "
                                                 + "use overlayfs or native")
            }
            options.snapshotter = kind
        }
        images = try ImageService(root: configuration.root, options: options)
        containers = try ContainerStore(databasePath: configuration.databasePath)
        events = EventBus()
        tasks = TaskManager(configuration: configuration, events: events)
        let socketGroup = configuration.group.flatMap { DaemonUsers.groupID(named: $0) }
        server = VarlinkServer(
            identity: .init(vendor: "contaird", product: "contaird",
                            version: ContairdVersion.version,
                            url: "https://contaird.invalid/docs/api"),
            authorize: { peer in peer.isRootOrMember(of: socketGroup) },
            translateError: { error in APIError.internalError("\(error)") })
    }

    /// Finds the tasks that ran while no daemon did, then serves the socket.
    public func start() throws {
        try tasks.startWatching { [weak self] id in self?.taskExited(id) }
        recover()
        server.register(try SystemEndpoint(daemon: self).service())
        server.register(try ContainersEndpoint(daemon: self).service())
        server.register(try TasksEndpoint(daemon: self).service())
        server.register(try ImagesEndpoint(daemon: self).service())
        let socketGroup = configuration.group.flatMap { DaemonUsers.groupID(named: $0) }
        if let listener = SocketActivation.listener() {
            try server.serve(listener: listener)
        } else {
            try server.listen(at: configuration.socketPath, mode: 0o660, group: socketGroup)
        }
    }

    /// Stops serving; containers and their monitors keep running.
    public func stop() {
        server.stop()
        lock.release()
    }

    /// Runs `body` while holding the lock of container `id`, so that two calls on one
    /// container never interleave (a delete during a start, say).
    func withContainerLock<T>(_ id: String, _ body: () throws -> T) rethrows -> T {
        let lock = containerLocks.withLock { locks in
            if let lock = locks[id] { return lock }
            let lock = ContainerLock()
            locks[id] = lock
            return lock
        }
        return try lock.run(body)
    }

    /// After a restart: watch the tasks still running, and carry out the `--rm` of those
    /// that exited while the daemon was down.
    func recover() {
        guard let records = try? containers.list() else { return }
        for record in records where tasks.exists(record.id) {
            let directory = configuration.monitorDirectory(of: record.id)
            try? tasks.watcher.withLock { watcher throws(SystemError) in
                try watcher?.watch(directory)
            }
            if let info = try? tasks.info(record.id), info.status == .stopped {
                taskExited(record.id)
            }
        }
        Logger.shared.info("recovered containers", ["count": records.count])
    }
}

/// One container's lock. A class so that the lock outlives its dictionary lookup.
final class ContainerLock: Sendable {
    let mutex = Mutex(())

    func run<T>(_ body: () throws -> T) rethrows -> T {
        try mutex.withLock { _ in try body() }
    }
}

/// Why the daemon cannot start.
public enum DaemonError: Error, CustomStringConvertible {
    case rootInUse(root: String, detail: String)
    case invalidSetting(String)

    public var description: String {
        switch self {
        case .rootInUse(let root, let detail):
            "another contaird is using \(root): \(detail)"
        case .invalidSetting(let message):
            message
        }
    }
}
