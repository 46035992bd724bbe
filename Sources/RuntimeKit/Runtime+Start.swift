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
        if state.hooks?.hooks(.poststart).isEmpty == false {
            let running = StateReport(state, status: .running).json
            runHooksWarning(.poststart, state.hooks, state: running, id: id)
        }
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
        if byte != 0x30 {
            let reason = Self.readToEnd(fd, timeoutMilliseconds: 1000)
            throw RuntimeError(.internal, "container \"\(state.id)\": \(reason)")
        }
    }

    /// What is left to read on the non-blocking `fd` until end of file: the init's
    /// reason for not starting, which it writes in one piece before it exits.
    static func readToEnd(_ fd: Int32, timeoutMilliseconds: Int32) -> String {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, timeoutMilliseconds) <= 0 {
                break
            }
            let got = read(fd, &buffer, buffer.count)
            if got <= 0 {
                break
            }
            bytes += buffer[..<got]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
