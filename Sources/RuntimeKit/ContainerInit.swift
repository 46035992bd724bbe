#if canImport(Glibc)
import Glibc
#endif
import CRuntime
import CShim
import SystemKit

/// The container's first process, from the exec of `runcs init` to the exec of
/// `process.args`: it sets up the container from the inside, reports to its parent,
/// and waits on the exec fifo for `runcs start`.
///
/// It runs single-threaded (no Task, Dispatch or thread is ever started), which is what
/// lets it join mount namespaces and change its root.
public struct ContainerInit {
    let plan: InitPlan
    let spec: Spec
    let process: Spec.Process
    let sync: SyncSocket
    /// The container's state directory on the host, holding the exec fifo; nil for an
    /// exec, which has no fifo to wait on.
    let stateDirectory: Int32?
    /// For an exec: the running container's mount namespace, which the init joins.
    let mountNamespace: Int32?
    /// A connected socket to the console socket's listener, when a terminal is wanted.
    let consoleSocket: Int32?
    /// The bind sources the parent opened for us, by index into `spec.mounts`.
    let bindSources: [Int: Int32]
    /// The connection to the seccomp agent, when a rule of the profile notifies one.
    let seccompAgent: Int32?
    /// Whether the parent has confirmed our cgroup.
    let cgroupJoin = CgroupJoin()

    /// The environment variable that carries the sync socket's descriptor number.
    static let syncVariable = "_RUNCS_SYNC_FD"

    /// Runs the init; returns only on failure, with the exit status to use.
    public static func main() -> Int32 {
        setName("runcs:init")
        // Nothing else in the container may read this process's memory or its exe.
        _ = cshim_prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
        umask(0)

        guard let text = getenv(syncVariable), let fd = Int32(String(cString: text)) else {
            writeStandardError("runcs init: is run by runcs create, not by hand\n")
            return 2
        }
        unsetenv(syncVariable)
        unsetenv("SWIFT_BACKTRACE")
        let sync = SyncSocket(fd: fd)
        do {
            let initProcess = try receive(over: sync)
            if initProcess.mountNamespace != nil {
                try initProcess.runExec()
            } else {
                try initProcess.run()
            }
        } catch {
            let failure = error as? RuntimeError ?? RuntimeError(.internal, "\(error)")
            try? sync.send(.failed(failure))
        }
        return 1
    }

    /// Reads the plan, config.json and the passed descriptors.
    static func receive(over sync: SyncSocket) throws -> ContainerInit {
        guard case .plan(let json) = try sync.receive() else {
            throw RuntimeError(.internal, "init: the parent sent no plan")
        }
        let plan = try InitPlan(json: JSONValue.parse(json))
        let spec: Spec
        do {
            spec = try Spec.parse(FileSystem.read(plan.configPath))
        } catch {
            throw RuntimeError(.invalidArgument, "load \(plan.configPath): \(error)")
        }
        guard let process = plan.process ?? spec.process else {
            throw RuntimeError(.invalidArgument, "config.json has no process")
        }
        let first = try sync.receiveDescriptor()
        let consoleSocket = plan.hasConsoleSocket ? try sync.receiveDescriptor() : nil
        let seccompAgent = plan.seccompAgentState != nil ? try sync.receiveDescriptor() : nil
        let isExec = plan.process != nil
        var bindSources: [Int: Int32] = [:]
        if !isExec && !plan.bindSources.isEmpty {
            try sync.send(.bindSourcesWanted)
            for index in plan.bindSources {
                bindSources[index] = try sync.receiveDescriptor()
            }
        }
        return ContainerInit(plan: plan, spec: spec, process: process, sync: sync,
                             stateDirectory: isExec ? nil : first,
                             mountNamespace: isExec ? first : nil,
                             consoleSocket: consoleSocket, bindSources: bindSources,
                             seccompAgent: seccompAgent)
    }

    /// Every step, in the order the kernel needs them.
    func run() throws {
        guard let stateDirectory else {
            throw RuntimeError(.internal, "init: the parent sent no state directory")
        }
        // The read-only bind of runcs stays our executable but must not stay reachable:
        // pivot_root detaches it with the old root; MS_MOVE + chroot would leave it, so
        // detach it now (each lazy unmount waits for an RCU grace period: do one, not two).
        if plan.noPivot, let executable = plan.protectedExecutable {
            try check("umount2", executable) { umount2(executable, Int32(MNT_DETACH)) }
        }

        // The parent joins us to our cgroup while we set up. A cgroup namespace must be
        // rooted there, so with one we wait now; without, when a cgroup mount needs it
        // or at the latest before reporting ready.
        if plan.newCgroupNamespace {
            try awaitCgroup()
            try check("unshare(CLONE_NEWCGROUP)", nil) { cruntime_unshare(CLONE_NEWCGROUP) }
        }

        let seccomp = try compileSeccomp()
        try setHostnames()
        try setUpRootfs()
        try applySysctls()
        try runCreateHooks()
        try enterRootfs()
        try setUpTerminal()
        try applyLimits()

        // What resolves paths or uses calls newer than a profile may know (openat2,
        // faccessat2, close_range) comes before the seccomp filter, which changeUser
        // loads unless no_new_privs lets it wait for the exec. The working directory is
        // entered as root, as runc does, so that one only the user can reach still works.
        let executable = try prepareExec()
        try plan.securityLabels.applyAtExec()
        try check("faccessat", StateStore.execFifoName) {
            faccessat(stateDirectory, StateStore.execFifoName, W_OK, 0)
        }
        try becomeTheProcess(seccomp: seccomp)

        try waitForStart(stateDirectory, seccomp: seccomp)
        Self.setName("runcs:exec")
        // The filter is in place by now: waitForStart loaded it for the start hooks.
        exec(executable, seccomp: nil)
    }

    /// The steps the container's first process and an exec share once everything is
    /// resolved: descriptors marked to close at exec, the user (and, without
    /// no_new_privs, the seccomp filter), clean signals, our cgroup, and "ready".
    func becomeTheProcess(seccomp: CompiledSeccomp?) throws {
        // Every descriptor past stdio and the preserved ones vanishes at exec.
        try check("close_range", nil) { cruntime_cloexec_from(UInt32(3 + plan.preserveFDs)) }
        try changeUser(seccomp: seccomp)

        resetSignals()
        try awaitCgroup()
        _ = cshim_prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0)
        try sync.send(.ready)
        sync.close()
    }

    /// Waits for the parent's word that we are in our cgroup, once.
    func awaitCgroup() throws {
        guard !cgroupJoin.isDone else {
            return
        }
        guard case .joined = try sync.receive() else {
            throw RuntimeError(.internal, "init: the parent did not confirm the cgroup")
        }
        cgroupJoin.isDone = true
    }

    /// Blocks on the exec fifo until `runcs start` (or `run`) opens it, loads the seccomp
    /// filter when no_new_privs let it wait this long, runs the startContainer hooks under
    /// it (they run in the container as its process will), then tells `start` we are
    /// going ("0"), or why not ("1" and the error, after which we exit).
    func waitForStart(_ stateDirectory: Int32, seccomp: CompiledSeccomp?) throws {
        let fifo = try check("open", StateStore.execFifoName) {
            openat(stateDirectory, StateStore.execFifoName, O_WRONLY | O_CLOEXEC)
        }
        defer {
            close(fifo)
            close(stateDirectory)
        }
        do {
            if let seccomp, process.noNewPrivileges == true {
                try seccomp.load()
            }
            try runStartHooks()
        } catch {
            let report = Array("1\(error)".utf8)
            _ = write(fifo, report, report.count)
            throw error
        }
        let byte: [UInt8] = [0x30]
        _ = write(fifo, byte, 1)
    }

    /// Replaces this process with the container's process, loading the seccomp filter
    /// first when no_new_privs lets it come last; on failure, says why on the
    /// container's stderr and exits 127, like a shell.
    func exec(_ executable: String, seccomp: CompiledSeccomp?) -> Never {
        if let seccomp, process.noNewPrivileges == true {
            do {
                try seccomp.load()
            } catch {
                writeStandardError("runcs: \(error)\n")
                _exit(127)
            }
        }
        let arguments = process.args ?? []
        let environment = process.env ?? []
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        execve(executable, argv, envp)
        let reason = String(cString: strerror(errno))
        writeStandardError("runcs: exec \(executable): \(reason)\n")
        _exit(127)
    }

    func setHostnames() throws {
        if let hostname = spec.hostname {
            try check("sethostname", hostname) { sethostname(hostname, hostname.utf8.count) }
        }
        if let domainname = spec.domainname {
            try check("setdomainname", domainname) {
                setdomainname(domainname, domainname.utf8.count)
            }
        }
    }

    /// Writes each `linux.sysctl` key under /proc/sys, which reflects the namespaces
    /// of the writer: ours.
    func applySysctls() throws {
        for (key, value) in spec.linux?.sysctl ?? [:] {
            let path = "/proc/sys/" + key.replacing(".", with: "/")
            do {
                try FileSystem.writeKnob(path, value)
            } catch {
                throw RuntimeError(.invalidArgument, "sysctl \"\(key)\": \(error)")
            }
        }
    }

    /// Sends a warning to the parent, which logs it for the user.
    func warn(_ text: String) {
        try? sync.send(.warning(text))
    }

    /// Calls `body` and turns -1 into a `SystemError` naming `call` and `path`.
    @discardableResult
    func check<T: FixedWidthInteger>(_ call: String, _ path: String?, _ body: () -> T)
        throws(SystemError) -> T
    {
        try Syscall.check(call, path: path, body)
    }

    static func setName(_ name: String) {
        name.withCString { _ = cshim_prctl(PR_SET_NAME, UInt(bitPattern: $0), 0, 0, 0) }
    }
}

/// Writes `text` to fd 2, ignoring failure: the last words of a failing process.
func writeStandardError(_ text: String) {
    try? FileDescriptor.standardError.writeAll(text)
}

/// Whether the init has heard that it is in its cgroup; a class so that the init's
/// non-mutating steps can record it. Used by the single init thread only.
final class CgroupJoin {
    var isDone = false
}
