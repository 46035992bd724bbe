#if canImport(Glibc)
import Glibc
#endif
import CRuntime
import CShim
import SystemKit

extension ContainerInit {
    /// With `process.terminal`: opens a pty in the container's devpts, sends its master
    /// over the console socket and makes the peer our controlling terminal and stdio.
    func setUpTerminal() throws {
        guard process.terminal == true else {
            return
        }
        guard let consoleSocket else {
            throw RuntimeError(.invalidArgument, "process.terminal is set but no console socket")
        }
        var master: Int32 = -1
        var slave: Int32 = -1
        try check("open", "/dev/ptmx") { cruntime_open_pty("/dev/ptmx", &master, &slave) }
        defer { close(slave) }
        if let size = process.consoleSize {
            try check("ioctl(TIOCSWINSZ)", "/dev/ptmx") {
                cshim_set_winsize(slave, size.height, size.width)
            }
        }
        // The user owns its terminal; the group stays the one devpts gives (its gid=
        // option, the tty group 5 in the usual config), so that write(1) and wall work.
        try check("fchown", "pty") { fchown(slave, process.user.uid, gid_t.max) }

        let tag = Array("/dev/ptmx".utf8)
        try check("sendmsg", "console socket") {
            tag.withUnsafeBytes { cshim_send_fd(consoleSocket, master, $0.baseAddress, tag.count) }
        }
        close(master)
        close(consoleSocket)

        // An exec's terminal is its own: /dev/console stays the container's.
        if mountNamespace == nil {
            try bindConsole(slave)
        }

        try check("setsid", nil) { setsid() }
        try check("ioctl(TIOCSCTTY)", "pty") { cshim_set_controlling_tty(slave) }
        for fd: Int32 in 0...2 {
            try check("dup2", "pty") { dup2(slave, fd) }
        }
    }

    /// Makes /dev/console the container's terminal, as programs expect, with a bind
    /// mount of the pty peer (skipped when /dev cannot take a new file).
    func bindConsole(_ peer: Int32) throws {
        let root = try check("open", "/") { open("/", O_PATH | O_DIRECTORY | O_CLOEXEC) }
        defer { close(root) }
        guard let console = try? RootPath(root: root).create("/dev/console", directory: false)
        else {
            warn("no /dev/console: /dev does not take new files")
            return
        }
        defer { close(console) }
        try mountCall(source: RootPath.procPath(peer), target: RootPath.procPath(console),
                      type: nil, flags: UInt(MS_BIND), shown: "/dev/console")
    }

    /// rlimits and the OOM score adjustment.
    func applyLimits() throws {
        for limit in process.rlimits ?? [] {
            guard let resource = Self.rlimitResources[limit.type] else {
                throw RuntimeError(.invalidArgument, "unknown rlimit \"\(limit.type)\"")
            }
            var value = rlimit(rlim_cur: rlim_t(limit.soft), rlim_max: rlim_t(limit.hard))
            if setrlimit(__rlimit_resource_t(UInt32(resource)), &value) != 0 {
                let reason = String(cString: strerror(errno))
                throw RuntimeError(.invalidArgument,
                    "set \(limit.type) to soft \(limit.soft) hard \(limit.hard): \(reason)")
            }
        }
        if let score = process.oomScoreAdj {
            do {
                try FileSystem.writeKnob("/proc/self/oom_score_adj", String(score))
            } catch {
                throw RuntimeError(.invalidArgument, "set oomScoreAdj \(score): \(error)")
            }
        }
    }

    static let rlimitResources: [String: Int32] = [
        "RLIMIT_CPU": 0, "RLIMIT_FSIZE": 1, "RLIMIT_DATA": 2, "RLIMIT_STACK": 3,
        "RLIMIT_CORE": 4, "RLIMIT_RSS": 5, "RLIMIT_NPROC": 6, "RLIMIT_NOFILE": 7,
        "RLIMIT_MEMLOCK": 8, "RLIMIT_AS": 9, "RLIMIT_LOCKS": 10, "RLIMIT_SIGPENDING": 11,
        "RLIMIT_MSGQUEUE": 12, "RLIMIT_NICE": 13, "RLIMIT_RTPRIO": 14, "RLIMIT_RTTIME": 15,
    ]

    /// Groups, gid, uid, capabilities, umask and no_new_privs, in the order that keeps
    /// the privileges each step needs until it is done. Without no_new_privs, loading a
    /// seccomp filter needs CAP_SYS_ADMIN, so it goes first here (the filter must then
    /// allow the calls that follow); with it, the init loads it just before its exec.
    func changeUser(seccomp: CompiledSeccomp?) throws {
        let user = process.user
        if let seccomp, process.noNewPrivileges != true {
            try seccomp.load()
        }
        let groups = (user.additionalGids ?? []).map { gid_t($0) }
        try setSupplementaryGroups(groups)
        try check("setgid", String(user.gid)) { setgid(user.gid) }
        try ProcessCapabilities.prepareForUserChange()
        try check("setuid", String(user.uid)) { setuid(user.uid) }
        for warning in try ProcessCapabilities.apply(process.capabilities) {
            warn(warning)
        }
        umask(mode_t(user.umask ?? 0o022))
        if process.noNewPrivileges == true {
            try check("prctl(PR_SET_NO_NEW_PRIVS)", nil) {
                cshim_prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
            }
        }
    }

    /// Enters `process.cwd` (resolved inside the root, which is now "/") and finds the
    /// executable on the container's PATH, so that a typo fails `create`, not `start`.
    /// A missing command is the one error the init reports as `notFound`, which `exec`
    /// turns into status 127.
    func prepareExec() throws -> String {
        let root = try check("open", "/") { open("/", O_PATH | O_DIRECTORY | O_CLOEXEC) }
        defer { close(root) }
        let cwd = try RootPath(root: root).open(process.cwd, O_PATH | O_DIRECTORY)
        defer { close(cwd) }
        try check("chdir", process.cwd) { fchdir(cwd) }

        guard let command = process.args?.first, !command.isEmpty else {
            throw RuntimeError(.invalidArgument, "process.args is empty")
        }
        if command.contains("/") {
            var status = stat()
            guard stat(command, &status) == 0 else {
                let failure = errno
                let missing = failure == ENOENT || failure == ENOTDIR
                throw RuntimeError(missing ? .notFound : .invalidArgument,
                                   "exec \"\(command)\": \(String(cString: strerror(failure)))")
            }
            guard (status.st_mode & S_IFMT) == S_IFREG, access(command, X_OK) == 0 else {
                throw RuntimeError(.invalidArgument,
                                   "exec \"\(command)\": \(String(cString: strerror(EACCES)))")
            }
            return command
        }
        let pathVariable = (process.env ?? []).last { $0.hasPrefix("PATH=") }
        let search = pathVariable.map { String($0.dropFirst(5)) }
            ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        for directory in search.split(separator: ":") {
            let candidate = "\(directory)/\(command)"
            var status = stat()
            if stat(candidate, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG,
               access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        throw RuntimeError(.notFound,
                           "exec \"\(command)\": executable file not found in $PATH")
    }

    /// Unblocks every signal and restores default handlers, as a fresh process expects.
    func resetSignals() {
        var empty = sigset_t()
        sigemptyset(&empty)
        sigprocmask(SIG_SETMASK, &empty, nil)
        for signal: Int32 in 1..<32 where signal != SIGKILL && signal != SIGSTOP {
            Glibc.signal(signal, SIG_DFL)
        }
    }
}
