#if canImport(Glibc)
import Glibc
#endif
import CRuntime
import CShim
import SystemKit

extension ContainerInit {
    /// Makes the rootfs a mount of its own, mounts everything config.json lists into it,
    /// creates the devices and masks paths, all while the host's /proc is still at /proc
    /// to reach each target through /proc/self/fd.
    func setUpRootfs() throws {
        let rootfs = plan.rootfs

        // Nothing we mount may travel back to the host, and pivot_root refuses shared
        // mounts: everything is a slave until the root is in place (`enterRootfs`
        // applies rootfsPropagation then). The rootfs must be a mount point of its own.
        // Without a mount namespace of our own the mounts below go into the caller's,
        // whose propagation is not ours to change.
        _ = try rootPropagation()
        if spec.hasMountNamespace {
            try mountCall(source: nil, target: "/", type: nil, flags: UInt(MS_SLAVE | MS_REC))
            try mountCall(source: rootfs, target: rootfs, type: nil,
                          flags: UInt(MS_BIND | MS_REC))
        }

        let rootFD = try check("open", rootfs) { open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC) }
        defer { close(rootFD) }
        let root = RootPath(root: rootFD)

        for (index, mount) in (spec.mounts ?? []).enumerated() {
            try mountEntry(mount, source: bindSources[index], in: root)
        }
        bindSources.values.forEach { close($0) }
        if !hostDevIsBound {
            try createDevices(in: root)
        }
        // A working directory the rootfs lacks is made (0755, owned by the container's
        // root), as runc does: an image may name a WORKDIR only its own build created.
        close(try root.create(process.cwd, directory: true))
        // A read-only /dev is filled first (devpts, mqueue, shm, the device nodes, and
        // the file the terminal is bound over as /dev/console).
        if let devFlags = readonlyDevFlags {
            if process.terminal == true {
                close(try root.create("/dev/console", directory: false))
            }
            try remount("/dev", in: root, flags: devFlags)
        }
        for path in spec.linux?.maskedPaths ?? [] {
            try mask(path, in: root)
        }
        for path in spec.linux?.readonlyPaths ?? [] {
            try makeReadonly(path, in: root)
        }
    }

    /// `linux.rootfsPropagation` as flags, nil when absent.
    func rootPropagation() throws -> UInt? {
        guard let name = spec.linux?.rootfsPropagation, !name.isEmpty else {
            return nil
        }
        guard let flags = MountOptions.propagations[name] else {
            throw RuntimeError(.invalidArgument, "unknown rootfsPropagation \"\(name)\"")
        }
        return flags | UInt(MS_REC)
    }

    /// Whether config.json bind-mounts the host's /dev, in which case its devices are
    /// the host's and none are created.
    var hostDevIsBound: Bool {
        (spec.mounts ?? []).contains { mount in
            mount.destination == "/dev" && (mount.type == "bind"
                || MountOptions(mount.options ?? []).isBind)
        }
    }

    /// The flags of a read-only /dev that is not a bind mount: it is mounted writable
    /// and made read-only once what goes inside it is there.
    var readonlyDevFlags: UInt? {
        let dev = (spec.mounts ?? []).last { $0.destination == "/dev" }
        guard let dev, dev.type != "bind" else {
            return nil
        }
        let options = MountOptions(dev.options ?? [])
        return !options.isBind && options.flags & UInt(MS_RDONLY) != 0 ? options.flags : nil
    }

    /// Mounts one `mounts` entry, its destination resolved inside the rootfs; a bind
    /// mount's source comes from `passed` when the parent opened it for us.
    func mountEntry(_ mount: Spec.Mount, source passed: Int32? = nil, in root: RootPath)
        throws
    {
        var options = MountOptions(mount.options ?? [])
        if mount.destination == "/dev" && readonlyDevFlags != nil {
            options.flags &= ~UInt(MS_RDONLY)
        }
        let isBind = options.isBind || mount.type == "bind"
        if !isBind, let context = plan.securityLabels.contextOption(type: mount.type ?? "",
                                                                    data: options.data) {
            options.data.append(context)
        }
        if mount.type == "cgroup" && !isBind {
            try mountCgroups(mount, options: options, in: root)
            return
        }

        let target: Int32
        if isBind {
            let named = absoluteSource(mount.source ?? "")
            let source = passed.map(RootPath.procPath) ?? named
            var status = stat()
            try check("stat", named) { stat(source, &status) }
            let isDirectory = (status.st_mode & S_IFMT) == S_IFDIR
            target = try root.create(mount.destination, directory: isDirectory)
            defer { close(target) }
            let bindFlags = UInt(MS_BIND) | (options.isRecursive ? UInt(MS_REC) : 0)
            try mountCall(source: source, target: RootPath.procPath(target), type: nil,
                          flags: bindFlags, shown: mount.destination)
            if options.flags != 0 {
                try remount(mount.destination, in: root, flags: options.flags)
            }
        } else {
            let type = mount.type ?? "none"
            if type == "proc" || type == "sysfs" {
                try refuseSymlink(mount.destination, of: type, in: root)
            }
            target = try root.create(mount.destination, directory: true)
            defer { close(target) }
            if inUserNamespace, let hostPath = Self.namespacedFilesystems[type] {
                try mountNamespaced(mount, options: options, at: target, hostPath: hostPath,
                                    in: root)
            } else if options.copiesUp && type == "tmpfs" {
                try mountCopyingUp(mount, options: options, at: target, in: root)
            } else {
                try mountCall(source: mount.source ?? type, target: RootPath.procPath(target),
                              type: type, flags: options.flags, data: options.dataString,
                              shown: mount.destination)
            }
        }

        if options.recursiveAttributes != 0 {
            try setRecursively(options.recursiveAttributes, on: mount.destination, in: root)
        }

        if options.propagation != 0 {
            let mounted = try root.open(mount.destination)
            defer { close(mounted) }
            try mountCall(source: nil, target: RootPath.procPath(mounted), type: nil,
                          flags: options.propagation, shown: mount.destination)
        }
    }

    /// Sets MOUNT_ATTR_* `attributes` on the mount at `destination` and every mount
    /// below it, with mount_setattr(2) (Linux 5.12).
    func setRecursively(_ attributes: UInt64, on destination: String, in root: RootPath)
        throws
    {
        let mounted = try root.open(destination)
        defer { close(mounted) }
        // struct mount_attr: attr_set, attr_clr, propagation, userns_fd.
        var attr: [UInt64] = [attributes, 0, 0, 0]
        let (mountSetattr, emptyPath, recursive) = (442, 0x1000, 0x8000)
        let result = attr.withUnsafeMutableBytes { bytes in
            "".withCString { empty in
                cshim_syscall6(mountSetattr, Int(mounted), Int(bitPattern: empty),
                               emptyPath | recursive, Int(bitPattern: bytes.baseAddress),
                               bytes.count, 0)
            }
        }
        try check("mount_setattr", destination) { Int32(result) }
    }

    /// proc and sysfs go on a real directory only: a symlink there (even one resolved
    /// inside the rootfs) would put them where the masked and read-only paths, which
    /// name /proc and /sys, do not reach.
    func refuseSymlink(_ destination: String, of type: String, in root: RootPath) throws {
        let parent = try root.open(FileSystem.parent(of: destination))
        defer { close(parent) }
        let name = String(destination.split(separator: "/").last ?? "")
        var status = stat()
        guard fstatat(parent, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else {
            return
        }
        if (status.st_mode & S_IFMT) == S_IFLNK {
            throw RuntimeError(.invalidArgument, "\(type) must be mounted on ordinary "
                + "directory: \(destination) in the rootfs is a symlink")
        }
    }

    /// A tmpfs at `target` that starts with a copy of the directory it covers
    /// (`tmpcopyup`). The directory is opened before the mount hides it; the copy then
    /// reads it through that descriptor and writes into the tmpfs found by a new lookup.
    /// A read-only tmpfs becomes read-only once it is filled.
    func mountCopyingUp(_ mount: Spec.Mount, options: MountOptions, at target: Int32,
                        in root: RootPath) throws {
        let covered = try check("openat", mount.destination) {
            openat(target, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        }
        defer { close(covered) }
        let writable = options.flags & ~UInt(MS_RDONLY)
        try mountCall(source: mount.source ?? "tmpfs", target: RootPath.procPath(target),
                      type: "tmpfs", flags: writable, data: options.dataString,
                      shown: mount.destination)

        let tmpfs = try root.open(mount.destination, O_RDONLY | O_DIRECTORY)
        defer { close(tmpfs) }
        try TreeCopy.copyContents(of: covered, into: tmpfs, path: mount.destination)

        if writable != options.flags {
            try remount(mount.destination, in: root, flags: options.flags)
        }
    }

    /// Applies `flags` to the bind mount now at `path` (a fresh lookup reaches the new
    /// mount, not the directory under it), keeping the flags the kernel locked on it.
    func remount(_ path: String, in root: RootPath, flags: UInt) throws {
        let mounted = try root.open(path)
        defer { close(mounted) }
        var info = statvfs()
        try check("fstatvfs", path) { fstatvfs(mounted, &info) }
        let kept = MountOptions.keptOnRemount(UInt(info.f_flag), requested: flags,
                                              userNamespace: inUserNamespace)
        let wanted = UInt(MS_BIND | MS_REMOUNT) | flags | kept
        try mountCall(source: nil, target: RootPath.procPath(mounted), type: nil,
                      flags: wanted, shown: path)
    }

    /// A cgroup mount: the v2 hierarchy when the host has only that, otherwise a tmpfs
    /// holding one v1 hierarchy per controller set, as the host mounts them.
    func mountCgroups(_ mount: Spec.Mount, options: MountOptions, in root: RootPath) throws {
        // Without a cgroup namespace a fresh cgroup mount would show the host's whole
        // tree: bind the container's own cgroup directories instead, which the plan names
        // (or, when runcs manages no cgroups, the ones we sit in once the parent says so).
        var own: [String: String] = [:]
        if !plan.newCgroupNamespace {
            if plan.cgroupDirectories.isEmpty {
                try awaitCgroup()
                own = ownCgroupPaths()
            } else {
                own = plan.cgroupDirectories
            }
        }
        let target = try root.create(mount.destination, directory: true)
        defer { close(target) }
        let cgroup2Magic = 0x6367_7270
        if cruntime_filesystem_type("/sys/fs/cgroup") == cgroup2Magic {
            if let path = own["/sys/fs/cgroup"] {
                try bindCgroup(path, at: target, options: options,
                               shown: mount.destination, in: root)
            } else {
                try mountCall(source: "cgroup2", target: RootPath.procPath(target),
                              type: "cgroup2", flags: options.flags, shown: mount.destination)
            }
            return
        }

        let tmpfsFlags = options.flags & ~UInt(MS_RDONLY)
        try mountCall(source: "cgroup", target: RootPath.procPath(target), type: "tmpfs",
                      flags: tmpfsFlags, data: "mode=755", shown: mount.destination)
        for (name, controllers) in hostCgroupV1Hierarchies() {
            let path = "\(mount.destination)/\(name)"
            let directory = try root.create(path, directory: true)
            defer { close(directory) }
            if let own = own["/sys/fs/cgroup/\(name)"] {
                try bindCgroup(own, at: directory, options: options, shown: path, in: root)
            } else {
                try mountCall(source: "cgroup", target: RootPath.procPath(directory),
                              type: "cgroup", flags: options.flags, data: controllers, shown: path)
            }
        }
        if options.flags & UInt(MS_RDONLY) != 0 {
            try remount(mount.destination, in: root, flags: options.flags)
        }
    }

    /// Binds the host cgroup directory `source` at `target` with the mount's flags.
    func bindCgroup(_ source: String, at target: Int32, options: MountOptions, shown: String,
                    in root: RootPath) throws {
        try mountCall(source: source, target: RootPath.procPath(target), type: nil,
                      flags: UInt(MS_BIND), shown: shown)
        if options.flags != 0 {
            try remount(shown, in: root, flags: options.flags)
        }
    }

    /// Our cgroup directory in each hierarchy, from /proc/self/cgroup, by the
    /// hierarchy's mount point (/sys/fs/cgroup/<name> on v1, /sys/fs/cgroup on v2).
    func ownCgroupPaths() -> [String: String] {
        guard let text = try? FileSystem.readText("/proc/self/cgroup") else {
            return [:]
        }
        var byControllers: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            let controllers = fields[1].split(separator: ",").sorted().joined(separator: ",")
            byControllers[controllers] = fields[2] == "/" ? "" : String(fields[2])
        }
        var paths: [String: String] = [:]
        if let unified = byControllers[""] {
            paths["/sys/fs/cgroup"] = "/sys/fs/cgroup\(unified)"
        }
        for (name, controllers) in hostCgroupV1Hierarchies() {
            if let path = byControllers[controllers] {
                paths["/sys/fs/cgroup/\(name)"] = "/sys/fs/cgroup/\(name)\(path)"
            }
        }
        return paths
    }

    /// The host's v1 hierarchies: mount directory name and its mount options naming
    /// the controllers ("cpu,cpuacct", "name=systemd").
    func hostCgroupV1Hierarchies() -> [(String, String)] {
        guard let text = try? FileSystem.readText("/proc/self/mountinfo") else {
            return []
        }
        var result: [(String, String)] = []
        for line in text.split(separator: "\n") {
            let halves = line.split(separator: " - ", maxSplits: 1)
            guard halves.count == 2 else { continue }
            let after = halves[1].split(separator: " ")
            guard after.count >= 3, after[0] == "cgroup" else { continue }
            let before = halves[0].split(separator: " ")
            guard before.count >= 5, before[4].hasPrefix("/sys/fs/cgroup/") else { continue }
            let name = String(before[4].dropFirst("/sys/fs/cgroup/".count))
            let known = ["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls",
                         "net_prio", "blkio", "perf_event", "hugetlb", "pids", "rdma", "misc"]
            let controllers = after[2].split(separator: ",").filter { option in
                known.contains(String(option)) || option.hasPrefix("name=")
            }
            guard !controllers.isEmpty, !name.contains("/") else { continue }
            result.append((name, controllers.map(String.init).sorted().joined(separator: ",")))
        }
        return result
    }

    /// Hides `path`: a read-only empty tmpfs over a directory, /dev/null over a file.
    func mask(_ path: String, in root: RootPath) throws {
        guard let fd = try? root.open(path) else {
            return
        }
        defer { close(fd) }
        var status = stat()
        try check("fstat", path) { fstat(fd, &status) }
        if (status.st_mode & S_IFMT) == S_IFDIR {
            try mountCall(source: "tmpfs", target: RootPath.procPath(fd), type: "tmpfs",
                          flags: UInt(MS_RDONLY), shown: path)
        } else {
            try mountCall(source: "/dev/null", target: RootPath.procPath(fd), type: nil,
                          flags: UInt(MS_BIND), shown: path)
        }
    }

    /// Makes `path` read-only with a bind mount over itself.
    func makeReadonly(_ path: String, in root: RootPath) throws {
        guard let fd = try? root.open(path) else {
            return
        }
        defer { close(fd) }
        try mountCall(source: RootPath.procPath(fd), target: RootPath.procPath(fd), type: nil,
                      flags: UInt(MS_BIND | MS_REC), shown: path)
        try remount(path, in: root, flags: UInt(MS_RDONLY))
    }

    /// Changes root to the rootfs (pivot_root, or MS_MOVE + chroot with --no-pivot),
    /// then makes it read-only when config.json asks.
    func enterRootfs() throws {
        let rootfs = plan.rootfs
        try check("chdir", rootfs) { chdir(rootfs) }
        if !spec.hasMountNamespace {
            // The caller's mount namespace: no mount may move, only our root.
            try check("chroot", rootfs) { chroot(".") }
            try check("chdir", "/") { chdir("/") }
            return
        }
        if plan.noPivot {
            try detachKernelFilesystems(outside: rootfs)
            try mountCall(source: rootfs, target: "/", type: nil, flags: UInt(MS_MOVE))
            try check("chroot", rootfs) { chroot(".") }
        } else {
            // Stack the old root on the new one, then detach it: no directory for it needed.
            try check("pivot_root", rootfs) { cruntime_pivot_root(".", ".") }
            try mountCall(source: nil, target: ".", type: nil, flags: UInt(MS_SLAVE | MS_REC))
            try check("umount2", "old root") { umount2(".", Int32(MNT_DETACH)) }
        }
        try check("chdir", "/") { chdir("/") }
        if let propagation = try rootPropagation() {
            try mountCall(source: nil, target: "/", type: nil, flags: propagation)
        }

        if spec.root?.readonly == true {
            let root = RootPath(root: try check("open", "/") { open("/", O_PATH | O_CLOEXEC) })
            defer { close(root.root) }
            try remount("/", in: root, flags: UInt(MS_RDONLY))
        }
    }

    /// Detaches every proc and sysfs mount of our mount namespace outside `rootfs`.
    ///
    /// Without pivot_root the host's mounts stay in the container's mount namespace,
    /// below the chroot. Out of sight is not out of the kernel's view: a process that
    /// makes a user namespace may mount a new proc or sysfs only where one is already
    /// fully visible in its mount namespace, and the host's /proc, with nothing masked,
    /// would be one; the container's own /proc, with masked paths over it, is not.
    func detachKernelFilesystems(outside rootfs: String) throws {
        let root = try MountTable.realPath(rootfs)
        let outside = try MountTable.entries().filter { entry in
            (entry.type == "proc" || entry.type == "sysfs")
                && !MountTable.isBelow(entry.point, root)
        }
        try MountTable.detach(outside.map(\.point))
    }

    /// A bind source relative to the bundle, as the specification says.
    func absoluteSource(_ source: String) -> String {
        source.hasPrefix("/") ? source : "\(plan.bundle)/\(source)"
    }

    /// mount(2), with a failure that names the operation, both paths, the type, the
    /// flags by name and the data.
    func mountCall(source: String?, target: String, type: String?, flags: UInt,
                   data: String? = nil, shown: String? = nil) throws {
        let result: Int32 = (data ?? "").withCString { dataPointer in
            Glibc.mount(source, target, type, flags,
                        (data ?? "").isEmpty ? nil : UnsafeRawPointer(dataPointer))
        }
        if result != 0 {
            throw mountFailure(source: source, target: shown ?? target, type: type,
                               flags: flags, data: data, errno: errno)
        }
    }

    /// A failed mount as the user reads it: the operation, both paths, the type, the
    /// flags by name, the data and the reason.
    func mountFailure(source: String?, target: String, type: String?, flags: UInt,
                      data: String?, errno code: Int32) -> RuntimeError {
        let reason = String(cString: strerror(code))
        return RuntimeError(.internal, "mount \(source ?? "none") to \(target) "
            + "(type \(type ?? "none"), flags \(MountOptions.describe(flags)), "
            + "data \"\(data ?? "")\"): \(reason)")
    }
}
