#if canImport(Glibc)
import Glibc
#endif
import CRuntime
import CShim
import SystemKit

extension Runtime {
    /// `runcs exec`: starts a further process in a running container. Unless `detach`,
    /// waits for it, forwarding our signals to it (relaying a terminal to our stdio when
    /// there is no console socket), and returns its exit status, as `run` does.
    ///
    /// ```
    ///  P  runcs exec ID            C  clone child (C)           I  runcs init (exec plan)
    ///  lock, state: not stopped
    ///  (paused only with --ignore-paused)
    ///  the process: process.json, or config.json's with the flags' changes
    ///  open /proc/<init>/ns/*      (only those that differ from ours)
    ///  setns pid ns
    ///  clone(CLONE_NEWNS) ────────▶ / rslave, runcs bound ro
    ///                              setns ipc, uts, net, cgroup
    ///                              execve(runcs init) ────────▶ read plan, config.json
    ///  ── plan (with "process") ──────────────────────────────▶ compile seccomp (host fs)
    ///  ── SCM_RIGHTS: mount ns, [console socket] ─────────────▶ setns mount ns: root is
    ///  cgroup: add pid (each hierarchy)                         the container's
    ///  unlock: the process is the container's now
    ///  ── "joined" ───────────────────────────────────────────▶ pty (no /dev/console),
    ///                                                           limits, user, caps, cwd,
    ///                                                           find the executable
    ///       ◀── "ready" | "error <code> <text>" ─────────────── close_range, seccomp,
    ///  pid file                                                 execve(process.args)
    ///  wait and forward signals, or exit 0 (--detach)
    /// ```
    public func exec(_ id: String, options: ExecOptions) throws(RuntimeError) -> Int32 {
        try StateStore.validate(id: id)

        // Signals that arrive from here on are passed on to the process once it runs.
        let signals = options.detach ? -1 : cruntime_forwarding_signalfd()
        defer {
            if signals >= 0 {
                close(signals)
                cruntime_unblock_forwarded_signals()
            }
        }
        let started = try startExec(id, options: options)
        defer {
            if let master = started.master { close(master) }
        }
        if options.detach {
            return 0
        }
        if let master = started.master {
            return TerminalRelay(master: master, signals: signals, pid: started.pid).run()
        }
        return Self.waitForwardingSignals(signals, pid: started.pid)
    }

    /// Everything up to the process's start: the process and, for a foreground terminal
    /// without a console socket, its pty master. The container's lock is held until the
    /// process is in the container's cgroup, no longer: in a paused container (with
    /// --ignore-paused) it is ready only after `resume`, which needs the lock.
    private func startExec(_ id: String, options: ExecOptions)
        throws(RuntimeError) -> (pid: Int32, master: Int32?)
    {
        var lock: ContainerLock? = try store.lock(id)
        defer { lock?.unlock() }
        let state = try store.load(id)
        switch store.status(of: state) {
        case .stopped:
            throw RuntimeError.notRunning(id)
        case .paused where !options.ignorePaused:
            throw RuntimeError(.invalidState,
                "container \"\(id)\" is paused: cannot exec in a paused container "
                    + "(--ignore-paused waits for resume)")
        default:
            break
        }
        let spec = try Self.loadSpec("\(state.bundle)/config.json")
        let process = try options.process(base: spec.process)
        try Self.validateProcess(process, in: "exec")
        try ProcessCapabilities.validateNames(process.capabilities)
        let terminal = process.terminal == true
        if terminal && options.consoleSocket == nil && options.detach {
            throw RuntimeError(.invalidArgument,
                               "a terminal for a detached exec needs --console-socket")
        }
        if !terminal && options.consoleSocket != nil {
            throw RuntimeError(.invalidArgument,
                               "--console-socket needs a terminal (--tty or process.terminal)")
        }
        do {
            return try spawnExec(state, spec: spec, process: process, options: options) {
                lock?.unlock()
                lock = nil
            }
        } catch {
            throw RuntimeError.wrapping(error, "exec failed in container \"\(id)\"")
        }
    }

    private func spawnExec(_ state: ContainerState, spec: Spec, process: Spec.Process,
                           options: ExecOptions, joined: () -> Void)
        throws -> (pid: Int32, master: Int32?)
    {
        let agentFD = try SeccompAgent.connect(for: spec.linux?.seccomp)
        defer { if let agentFD { close(agentFD) } }
        // A foreground terminal without a console socket: the pty master comes to us.
        var relayEnd: Int32?
        var consoleFD: Int32?
        if let path = options.consoleSocket {
            consoleFD = try Self.connect(path)
        } else if process.terminal == true {
            var pair: [Int32] = [-1, -1]
            try Syscall.check("socketpair", path: "console relay") {
                socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
                           0, &pair)
            }
            relayEnd = pair[0]
            consoleFD = pair[1]
        }
        defer {
            if let consoleFD { close(consoleFD) }
            if let relayEnd { close(relayEnd) }
        }

        guard let mountNamespace = try InitLauncher.openNamespace(of: state.pid, "mnt") else {
            throw RuntimeError(.invalidState, "the container shares our mount namespace")
        }
        defer { close(mountNamespace) }
        let launcher = try InitLauncher(joining: state.pid, preserveFDs: options.preserveFDs)
        // The namespaces must be those of the init we checked, not of a recycled pid.
        guard HostProcess.isAlive(state.pid, startTime: state.initStartTime) else {
            launcher.release()
            throw RuntimeError.notRunning(state.id)
        }

        let pid = try launcher.spawn()
        logger.debug(.namespacesEntered, id: state.id, pid: pid)
        var ready = false
        defer {
            if !ready {
                Glibc.kill(pid, SIGKILL)
                _ = HostProcess.waitForChild(pid)
            }
        }
        let configPath = "\(state.bundle)/config.json"
        var plan = InitPlan(id: state.id, bundle: state.bundle, configPath: configPath,
                            rootfs: state.rootfs, noPivot: false,
                            hasConsoleSocket: consoleFD != nil,
                            preserveFDs: options.preserveFDs,
                            protectedExecutable: launcher.executable,
                            newCgroupNamespace: false, cgroupDirectories: [:],
                            process: process)
        plan.securityLabels = securityLabels(of: process, mountLabel: nil, id: state.id)
        if agentFD != nil {
            plan.seccompAgentState = SeccompAgent.processState(
                of: spec, id: state.id, pid: pid, bundle: state.bundle, status: .running)
        }
        do {
            try launcher.parent.send(.plan(Array(plan.json.serialized().utf8)))
            try launcher.parent.send(descriptor: mountNamespace)
            if let consoleFD {
                try launcher.parent.send(descriptor: consoleFD)
            }
            if let agentFD {
                try launcher.parent.send(descriptor: agentFD)
            }
        } catch {
            // A child that failed before its exec has said why before it closed.
            try awaitReady(launcher.parent, pid: pid, id: state.id)
            throw error
        }

        // The init sets itself up while the kernel moves it.
        try ContainerCgroup.join(pid, to: state, subCgroups: options.subCgroups)
        joined()
        do {
            try launcher.parent.send(.joined)
        } catch {
            try awaitReady(launcher.parent, pid: pid, id: state.id)
            throw error
        }
        logger.debug(.initRunning, id: state.id, pid: pid)
        try awaitReady(launcher.parent, pid: pid, id: state.id, stage: .execReady)

        if let pidFile = options.pidFile {
            // Readable by all, as pid files are (and runc's).
            try StateStore.replace(Self.absolute(pidFile), with: Array(String(pid).utf8),
                                   mode: 0o644)
        }
        var master: Int32?
        if let relayEnd {
            var received: Int32 = -1
            var tag = [UInt8](repeating: 0, count: 64)
            try Syscall.check("recvmsg", path: "console relay") {
                tag.withUnsafeMutableBytes { cshim_recv_fd(relayEnd, &received, $0.baseAddress, 64) }
            }
            master = received
        }
        ready = true
        logger.debug("exec started", ["id": state.id, "pid": pid])
        return (pid, master)
    }
}
