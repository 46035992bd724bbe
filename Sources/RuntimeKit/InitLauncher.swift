#if canImport(Glibc)
import Glibc
#endif
import CRuntime
import SystemKit

/// Starts the container's init: clones it into its new namespaces (C code does the
/// part between clone and exec, see `cruntime_spawn_init`) and execs `runcs init`
/// from a read-only bind mount of our own binary.
struct InitLauncher {
    /// Our end of the sync socket.
    let parent: SyncSocket
    let child: SyncSocket
    let cloneFlags: Int32
    /// New namespaces the child makes after its joins (`spawnFlags`), else 0.
    let unshareFlags: Int32
    let newCgroupNamespace: Bool
    /// Namespaces joined by path: open files and their types, in join order.
    let joins: [(fd: Int32, type: Int32)]
    /// The maps of a new user namespace, which we write while the child waits.
    let idMaps: IDMaps?
    /// A pid namespace joined by path, entered by us before the clone.
    let pidNamespace: Int32?
    /// The runcs binary on the host.
    let executable: String
    /// Without a mount namespace of the container's own there is none to bind runcs
    /// read-only in: the init is executed from this sealed copy of it instead.
    let sealedExecutable: Int32?
    let preserveFDs: Int

    init(spec: Spec, preserveFDs: Int) throws {
        var flags: Int32 = 0
        var cgroupNamespace = false
        var joins: [(fd: Int32, type: Int32)] = []
        var pidNamespace: Int32?
        for namespace in spec.linux?.namespaces ?? [] {
            guard let flag = Self.cloneFlag(for: namespace.type) else { continue }
            if let path = namespace.path {
                let fd = try Syscall.check("open", path: path) {
                    open(path, O_RDONLY | O_CLOEXEC)
                }
                if flag == CLONE_NEWPID {
                    pidNamespace = fd
                } else {
                    joins.append((fd, flag))
                }
            } else if flag == CLONE_NEWCGROUP {
                cgroupNamespace = true
            } else {
                flags |= flag
            }
        }
        let pair = try SyncSocket.pair()
        parent = pair.parent
        child = pair.child
        let ordered = NamespaceJoinOrder.ordered(joins)
        (cloneFlags, unshareFlags) = Self.spawnFlags(flags, joins: ordered)
        idMaps = flags & CLONE_NEWUSER != 0 ? IDMaps(spec.linux) : nil
        newCgroupNamespace = cgroupNamespace
        self.joins = ordered
        self.pidNamespace = pidNamespace
        let binary = try Self.ownExecutable()
        executable = binary
        let ownMounts = flags & CLONE_NEWNS != 0 || joins.contains { $0.type == CLONE_NEWNS }
        sealedExecutable = ownMounts ? nil : try Syscall.check("memfd", path: binary) {
            cruntime_sealed_copy(binary)
        }
        self.preserveFDs = preserveFDs
    }

    /// Whether the child joins a pid namespace itself and forks the init into it.
    var joinsPidNamespace: Bool { joins.contains { $0.type == CLONE_NEWPID } }

    /// Whether the child bind-mounts runcs read-only over itself (`protect_executable`).
    var bindsExecutable: Bool { sealedExecutable == nil }

    /// Clones the init and returns its pid; closes the child's end of the socket.
    func spawn() throws -> Int32 {
        try settle(cloneChild())
    }

    /// The clone itself: the child's pid, which is the init's unless it forks it.
    private func cloneChild() throws -> Int32 {
        defer {
            child.close()
            for join in joins {
                close(join.fd)
            }
            sealedExecutable.map { _ = close($0) }
        }
        if let pidNamespace {
            defer { close(pidNamespace) }
            try Syscall.check("setns", path: "pid namespace") {
                cruntime_setns(pidNamespace, CLONE_NEWPID)
            }
        }

        let syncTarget = Int32(3 + preserveFDs)
        let arguments = ["runcs", "init"]
        // The init never needs Swift's crash backtracer, which costs a read of
        // /proc/self/maps at every start.
        let environment = ["\(ContainerInit.syncVariable)=\(syncTarget)",
                           "SWIFT_BACKTRACE=enable=no"]
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            (argv + envp).forEach { free($0) }
        }
        let joinFDs = joins.map(\.fd)
        let joinTypes = joins.map(\.type)

        let executed = sealedExecutable.map { "/proc/self/fd/\($0)" } ?? executable
        let ownMounts: Int32 = bindsExecutable ? 1 : 0
        let pid = executed.withCString { path in
            argv.withUnsafeBufferPointer { argvBuffer in
                envp.withUnsafeBufferPointer { envpBuffer in
                    joinFDs.withUnsafeBufferPointer { fds in
                        joinTypes.withUnsafeBufferPointer { types in
                            var request = cruntime_spawn_request(
                                executable: path,
                                argv: argvBuffer.baseAddress,
                                envp: envpBuffer.baseAddress,
                                clone_flags: cloneFlags,
                                join_fds: fds.baseAddress,
                                join_types: types.baseAddress,
                                join_count: Int32(joinFDs.count),
                                unshare_flags: unshareFlags,
                                sync_fd: child.fd,
                                sync_target: syncTarget,
                                protect_executable: ownMounts,
                                make_root_slave: ownMounts,
                                wait_for_parent: idMaps == nil ? 0 : 1,
                                fork_after_joins: joinsPidNamespace ? 1 : 0)
                            return cruntime_spawn_init(&request)
                        }
                    }
                }
            }
        }
        if pid < 0 {
            throw SystemError(call: "clone", path: "container init", errno: errno)
        }
        return pid
    }

    /// The CLONE_NEW* flag of an OCI namespace type.
    static func cloneFlag(for type: String) -> Int32? {
        switch type {
        case "pid": CLONE_NEWPID
        case "network": CLONE_NEWNET
        case "mount": CLONE_NEWNS
        case "ipc": CLONE_NEWIPC
        case "uts": CLONE_NEWUTS
        case "user": CLONE_NEWUSER
        case "cgroup": CLONE_NEWCGROUP
        default: nil
        }
    }

    /// The host path of the running runcs binary.
    static func ownExecutable() throws(SystemError) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = try Syscall.check("readlink", path: "/proc/self/exe") {
            readlink("/proc/self/exe", &buffer, Int(PATH_MAX))
        }
        let path = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) },
                          as: UTF8.self)
        if path.hasSuffix(" (deleted)") {
            throw SystemError(call: "readlink", path: path, errno: ENOENT)
        }
        return path
    }
}

// The CLONE_NEW* flags from <sched.h>, which Swift's Glibc module leaves out.
let CLONE_NEWNS: Int32 = 0x0002_0000
let CLONE_NEWCGROUP: Int32 = 0x0200_0000
let CLONE_NEWUTS: Int32 = 0x0400_0000
let CLONE_NEWIPC: Int32 = 0x0800_0000
let CLONE_NEWUSER: Int32 = 0x1000_0000
let CLONE_NEWPID: Int32 = 0x2000_0000
let CLONE_NEWNET: Int32 = 0x4000_0000
