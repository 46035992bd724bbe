#if canImport(Glibc)
import Glibc
#endif
import SystemKit

extension Runtime {
    /// `runcs start`: lets a created container's init exec the user's process.
    public func start(_ id: String) throws(RuntimeError) {
        let lock = try store.lock(id)
        defer { lock.unlock() }
        let state = try store.load(id)
        switch store.status(of: state) {
        case .created:
            break
        case .stopped:
            throw RuntimeError(.invalidState, "cannot start a container that has stopped")
        default:
            throw RuntimeError(.invalidState, "cannot start an already running container")
        }
        try releaseInit(state)
        logger.debug("container started", ["id": id, "pid": state.pid])
    }

    /// Opens the exec fifo, which the init blocks on, and reads its one byte: the init
    /// is then on its way to exec. Watches the init so a dead one does not hang us.
    func releaseInit(_ state: ContainerState) throws(RuntimeError) {
        let fifo = "\(store.directory(of: state.id))/\(StateStore.execFifoName)"
        let fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            throw RuntimeError(.internal, "\(SystemError(call: "open", path: fifo, errno: errno))")
        }
        defer { close(fd) }
        var byte: UInt8 = 0
        while true {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, 100)
            if ready > 0 && read(fd, &byte, 1) == 1 {
                break
            }
            if ready < 0 && errno != EINTR {
                let failure = SystemError(call: "poll", path: fifo, errno: errno)
                throw RuntimeError(.internal, "\(failure)")
            }
            if !HostProcess.isAlive(state.pid, startTime: state.initStartTime) {
                throw RuntimeError(.invalidState,
                    "container \"\(state.id)\": init exited before it was started")
            }
        }
        unlink(fifo)
    }
}
