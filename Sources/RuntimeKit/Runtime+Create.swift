#if canImport(Glibc)
import Glibc
#endif
import CRuntime
import SystemKit

extension Runtime {
    /// A container whose init waits on the exec fifo.
    public struct Created: Sendable {
        public let id: String
        public let pid: Int32
    }

    /// `runcs create`: sets the container up and leaves its init waiting for `start`.
    /// The init is our child until we exit, which `run` relies on to wait for it.
    public func create(_ id: String, options: CreateOptions) throws(RuntimeError) -> Created {
        try StateStore.validate(id: id)
        let bundle = Self.absolute(options.bundle)
        let configPath = "\(bundle)/config.json"
        let spec: Spec
        if let loaded = options.spec {
            spec = loaded
        } else {
            spec = try Self.loadSpec(configPath)
        }
        let rootfs = try Self.rootfsPath(of: spec, bundle: bundle)
        try Self.validate(spec, options: options)
        warnAboutUserNamespace(of: rootfs, spec: spec, id: id)

        let lock = try store.createDirectory(for: id)
        defer { lock.unlock() }
        do {
            return try createLocked(id, spec: spec, bundle: bundle, configPath: configPath,
                                    rootfs: rootfs, options: options)
        } catch {
            try? store.remove(id)
            // A failed create ends the container's life: its poststop hooks run.
            if spec.hooks?.hooks(.poststop).isEmpty == false {
                let stopped = Self.hookState(of: spec, id: id, pid: 0, bundle: bundle,
                                             rootfs: rootfs, status: .stopped)
                runHooksWarning(.poststop, spec.hooks, state: stopped, id: id)
            }
            throw RuntimeError.wrapping(error, "create container \"\(id)\"")
        }
    }

    private func createLocked(_ id: String, spec: Spec, bundle: String, configPath: String,
                              rootfs: String, options: CreateOptions) throws -> Created {
        let directory = store.directory(of: id)
        let fifo = "\(directory)/\(StateStore.execFifoName)"
        // Writable by the container's user, who may not be root; only we know the path.
        try Syscall.check("mkfifo", path: fifo) { mkfifo(fifo, 0o622) }
        try Syscall.check("chmod", path: fifo) { chmod(fifo, 0o622) }
        let directoryFD = try Syscall.check("open", path: directory) {
            open(directory, O_PATH | O_DIRECTORY | O_CLOEXEC)
        }
        defer { close(directoryFD) }

        let consoleFD = try options.consoleSocket.map { path throws in try Self.connect(path) }
            ?? options.consoleDescriptor
        defer { if let consoleFD, options.consoleSocket != nil { close(consoleFD) } }
        let agentFD = try SeccompAgent.connect(for: spec.linux?.seccomp)
        defer { if let agentFD { close(agentFD) } }

        // A failed create leaves nothing: no init (killed first, the defers run in
        // reverse), no cgroup.
        let cgroup = try ContainerCgroup.prepare(for: spec, id: id, rootless: rootless,
                                                 logger: logger)
        var ready = false
        defer {
            if !ready, let cgroup {
                ContainerCgroup.discard(cgroup)
            }
        }
        let launcher = try InitLauncher(spec: spec, preserveFDs: options.preserveFDs)
        let pid = try launcher.spawn()
        logger.debug(.namespacesEntered, id: id, pid: pid)
        defer {
            if !ready {
                Glibc.kill(pid, SIGKILL)
                _ = HostProcess.waitForChild(pid)
                if !spec.hasMountNamespace {
                    removeMounts(below: rootfs, id: id)
                }
            }
        }

        // The state hooks read; built only when there are hooks (the owner's name
        // costs a passwd lookup). The create hooks come after the environment exists,
        // which the spec's lifecycle calls "created", as runc reports it.
        let creating = spec.hooks == nil ? JSONValue.null
            : Self.hookState(of: spec, id: id, pid: pid, bundle: bundle, rootfs: rootfs,
                             status: .created)
        var plan = InitPlan(id: id, bundle: bundle, configPath: configPath, rootfs: rootfs,
                            noPivot: options.noPivot, hasConsoleSocket: consoleFD != nil,
                            preserveFDs: options.preserveFDs,
                            protectedExecutable: launcher.bindsExecutable
                                ? launcher.executable : nil,
                            newCgroupNamespace: launcher.newCgroupNamespace,
                            cgroupDirectories: cgroup?.directories ?? [:])
        if spec.hooks?.runsInContainer == true {
            plan.hookState = creating
        }
        if let process = spec.process {
            plan.securityLabels = securityLabels(of: process, mountLabel: spec.linux?.mountLabel,
                                                 id: id)
        }
        if BindSources.needed(for: spec) {
            plan.bindSources = BindSources.bindIndices(of: spec)
        }
        if agentFD != nil {
            plan.seccompAgentState = SeccompAgent.processState(
                of: spec, id: id, pid: pid, bundle: bundle, status: .creating)
        }
        do {
            try launcher.parent.send(.plan(Array(plan.json.serialized().utf8)))
            try launcher.parent.send(descriptor: directoryFD)
            if let consoleFD {
                try launcher.parent.send(descriptor: consoleFD)
            }
            if let agentFD {
                try launcher.parent.send(descriptor: agentFD)
            }
        } catch {
            // A child that failed before its exec has said why before it closed.
            try awaitReady(launcher.parent, pid: pid, id: id)
            throw error
        }
        if !plan.bindSources.isEmpty {
            try passBindSources(of: spec, bundle: bundle, over: launcher.parent, to: pid)
        }

        // The init sets itself up meanwhile; the first move into a cgroup waits for an
        // RCU grace period, which this overlaps with the init's work.
        let cgroupsPath = cgroup?.path
        if let cgroup {
            try ContainerCgroup.add(pid, to: cgroup)
        }
        do {
            try launcher.parent.send(.joined)
        } catch {
            try awaitReady(launcher.parent, pid: pid, id: id)
            throw error
        }
        logger.debug(.initRunning, id: id, pid: pid)
        try awaitReady(launcher.parent, pid: pid, id: id) { () throws(RuntimeError) in
            try Self.runCreateHooks(spec.hooks, state: creating)
        }

        guard let startTime = HostProcess.startTime(of: pid) else {
            throw RuntimeError(.internal, "container init exited right after setup")
        }
        let state = ContainerState(
            ociVersion: spec.ociVersion, id: id, pid: pid, initStartTime: startTime,
            bundle: bundle, rootfs: rootfs, created: Self.now(), owner: Self.ownerName(),
            annotations: spec.annotations, cgroupsPath: cgroupsPath,
            hooks: spec.hooks?.afterCreate, resources: spec.linux?.resources,
            mountsInOurNamespace: spec.hasMountNamespace ? nil : true)
        try store.save(state)
        if let pidFile = options.pidFile {
            // Readable by all, as pid files are (and runc's).
            try StateStore.replace(Self.absolute(pidFile), with: Array(String(pid).utf8),
                                   mode: 0o644)
        }
        ready = true
        logger.debug("container created", ["id": id, "pid": pid])
        return Created(id: id, pid: pid)
    }

    /// Reads the init's messages until it is ready, passing its warnings on and running
    /// `createHooks` when it asks.
    func awaitReady(_ sync: SyncSocket, pid: Int32, id: String, stage: InitStage = .initReady,
                    createHooks: () throws(RuntimeError) -> Void = {}) throws {
        defer { sync.close() }
        while true {
            switch try sync.receive() {
            case .ready:
                logger.debug(stage, id: id, pid: pid)
                return
            case .warning(let text):
                logger.warning(text, ["id": id])
            case .failed(let error):
                throw error
            case .runHooks:
                try createHooks()
                try sync.send(.hooksDone)
            case .plan, .joined, .hooksDone, .userNamespace, .idMapsWritten, .initPID,
                 .bindSourcesWanted, nil:
                let status = HostProcess.waitForChild(pid)
                throw RuntimeError(.internal, "container init exited with status \(status)")
            }
        }
    }

    /// Reads and decodes config.json.
    static func loadSpec(_ path: String) throws(RuntimeError) -> Spec {
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.read(path)
        } catch {
            if error.errno == ENOENT {
                throw RuntimeError(.notFound, "config file \(path) does not exist")
            }
            throw RuntimeError(.internal, "\(error)")
        }
        do {
            return try Spec.parse(bytes)
        } catch {
            throw RuntimeError(.invalidArgument, "parse \(path): \(error.message)")
        }
    }

    /// `root.path` as an absolute host path.
    static func rootfsPath(of spec: Spec, bundle: String) throws(RuntimeError) -> String {
        guard let path = spec.root?.path, !path.isEmpty else {
            throw RuntimeError(.invalidArgument, "config.json has no root.path")
        }
        let absolute = path.hasPrefix("/") ? path : "\(bundle)/\(path)"
        guard FileSystem.isDirectory(absolute) else {
            throw RuntimeError(.notFound, "rootfs \(absolute) does not exist")
        }
        return absolute
    }

    /// Waits until the init asks for its bind sources, then opens them in its mount
    /// namespace and sends them (`BindSources`).
    private func passBindSources(of spec: Spec, bundle: String, over sync: SyncSocket,
                                 to pid: Int32) throws {
        switch try sync.receive() {
        case .bindSourcesWanted:
            break
        case .failed(let error):
            throw error
        default:
            throw RuntimeError(.internal, "init did not ask for its bind sources")
        }
        let sources = try BindSources.open(for: spec, bundle: bundle, in: pid)
        defer { sources.close() }
        for descriptor in sources.descriptors {
            try sync.send(descriptor: descriptor)
        }
    }

    /// Refuses configurations this runtime cannot honour, before anything is made.
    static func validate(_ spec: Spec, options: CreateOptions) throws(RuntimeError) {
        guard let process = spec.process else {
            throw RuntimeError(.invalidArgument, "config.json: process is missing")
        }
        try validateProcess(process, in: "config.json")
        let namespaces = spec.linux?.namespaces ?? []
        var seen: Set<String> = []
        for namespace in namespaces where !seen.insert(namespace.type).inserted {
            throw RuntimeError(.invalidArgument,
                "config.json: linux.namespaces lists \"\(namespace.type)\" more than once")
        }
        // Without a mount namespace the container shares ours: its mounts go below the
        // rootfs here (delete takes them away) and it is entered by chroot. What would
        // cover or remount paths outside those mounts has no place then.
        if !spec.hasMountNamespace {
            let refused = [("linux.maskedPaths", !(spec.linux?.maskedPaths ?? []).isEmpty),
                           ("linux.readonlyPaths", !(spec.linux?.readonlyPaths ?? []).isEmpty),
                           ("root.readonly", spec.root?.readonly == true)]
            for (field, isSet) in refused where isSet {
                throw RuntimeError(.invalidArgument, "config.json: \(field) needs a mount "
                    + "namespace of the container's own in linux.namespaces")
            }
        }
        for namespace in namespaces where InitLauncher.cloneFlag(for: namespace.type) == nil {
            throw RuntimeError(.invalidArgument,
                               "config.json: unknown namespace type \"\(namespace.type)\"")
        }
        try validateUserNamespace(spec)
        try validateNamespacedSettings(spec)
        try ProcessCapabilities.validateNames(process.capabilities)
        if process.terminal == true && options.consoleSocket == nil
            && options.consoleDescriptor == nil {
            throw RuntimeError(.invalidArgument,
                "process.terminal needs --console-socket (or run in the foreground)")
        }
        if process.terminal != true && options.consoleSocket != nil {
            throw RuntimeError(.invalidArgument,
                "--console-socket needs process.terminal set to true in config.json")
        }
    }

    /// What every process runcs starts must have, first or exec'd: a command, strings
    /// that exec can pass (no NUL byte, which would cut them short), an absolute cwd.
    /// `source` names where the process came from, for the message.
    static func validateProcess(_ process: Spec.Process, in source: String)
        throws(RuntimeError)
    {
        guard !(process.args ?? []).isEmpty else {
            throw RuntimeError(.invalidArgument, "\(source): process.args must not be empty")
        }
        let lists = [("args", process.args ?? []), ("env", process.env ?? [])]
        for (field, list) in lists {
            for (index, entry) in list.enumerated() where entry.utf8.contains(0) {
                throw RuntimeError(.invalidArgument,
                    "\(source): process.\(field)[\(index)] contains a NUL byte")
            }
        }
        guard process.cwd.hasPrefix("/") else {
            throw RuntimeError(.invalidArgument, "\(source): process.cwd \"\(process.cwd)\" "
                + "must be an absolute path")
        }
    }

    /// Connects to the Unix socket at `path` (the console socket).
    static func connect(_ path: String) throws(SystemError) -> Int32 {
        let fd = try Syscall.check("socket", path: path) {
            socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw SystemError(call: "connect", path: path, errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
        }
        let length = socklen_t(MemoryLayout<sockaddr_un>.size)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) }
        }
        if result != 0 {
            let code = errno
            close(fd)
            throw SystemError(call: "connect", path: path, errno: code)
        }
        return fd
    }

    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") {
            return path
        }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else {
            return path
        }
        let cwd = String(cString: buffer)
        if path.isEmpty || path == "." {
            return cwd
        }
        return cwd == "/" ? "/\(path)" : "\(cwd)/\(path)"
    }

    /// The current time in RFC 3339 with nanoseconds, UTC.
    static func now() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        var parts = tm()
        var seconds = spec.tv_sec
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-"
            + "\(pad(Int(parts.tm_mday), 2))T\(pad(Int(parts.tm_hour), 2)):"
            + "\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2))."
            + "\(pad(spec.tv_nsec, 9))Z"
    }

    /// The name of the calling user, as runc reports `owner`.
    static func ownerName() -> String {
        guard let entry = getpwuid(getuid()) else {
            return String(getuid())
        }
        return String(cString: entry.pointee.pw_name)
    }

    /// The AppArmor and SELinux labels of `process` (and the container's mount label)
    /// that the host's security modules can apply; each one they cannot is a warning.
    func securityLabels(of process: Spec.Process, mountLabel: String?, id: String)
        -> SecurityLabels
    {
        let resolved = SecurityLabels.resolve(process: process, mountLabel: mountLabel,
                                              host: .read())
        for warning in resolved.warnings {
            logger.warning(warning, ["id": id])
        }
        return resolved.labels
    }
}
