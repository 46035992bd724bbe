#if canImport(Glibc)
import Glibc
#endif
import CRuntime
import SystemKit

extension Runtime {
    /// `runcs kill`: sends `signal` to the init, or with `all` to every process of the
    /// container.
    public func kill(_ id: String, signal: Int32, all: Bool) throws(RuntimeError) {
        let lock = try store.lock(id)
        defer { lock.unlock() }
        let state = try store.load(id)
        let status = store.status(of: state)
        if status == .stopped && all {
            // What outlived the init in its cgroup still gets the signal (none left is
            // no error), as runc's `kill --all` does; signal 0 only asks.
            _ = try? ContainerCgroup.killAll(state, signal: signal)
            return
        }
        guard status != .stopped else {
            throw RuntimeError.notRunning(id)
        }
        let signalledAll = all ? try ContainerCgroup.killAll(state, signal: signal) : false
        if !signalledAll && Glibc.kill(state.pid, signal) != 0 {
            if errno == ESRCH {
                throw RuntimeError(.notFound, "container \"\(id)\": no such process")
            }
            throw RuntimeError(.internal,
                "\(SystemError(call: "kill", path: "pid \(state.pid)", errno: errno))")
        }
        // A frozen task dies only once thawed: a paused container that is killed is
        // thawed and gone when we return, so that `delete` may follow. Other signals
        // stay pending until `resume`.
        if status == .paused && signal == SIGKILL {
            try ContainerCgroup.thaw(state)
            HostProcess.waitForExit(state.pid, timeoutMilliseconds: 2000)
        }
    }

    /// A signal given as a name ("KILL", "SIGKILL", "RTMIN+1") or a number; 0 checks
    /// that the process exists, as kill(2) does.
    public static func parseSignal(_ text: String) throws(RuntimeError) -> Int32 {
        if let number = Int32(text) {
            guard number >= 0 && number <= 64 else {
                throw RuntimeError(.invalidArgument, "invalid signal \"\(text)\"")
            }
            return number
        }
        let number = cruntime_signal_number(text)
        guard number > 0 else {
            throw RuntimeError(.invalidArgument, "unknown signal \"\(text)\"")
        }
        return number
    }
}
