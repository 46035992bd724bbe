#if canImport(Glibc)
import Glibc
#endif
import SystemKit

/// What the init does differently in a user namespace, new or joined: the mounts it got
/// from the host carry flags the kernel locks (`MountOptions.keptOnRemount`), some
/// filesystems may be mounted only with the namespace they show, devices cannot be made
/// (`createDevice` binds the host's nodes instead), and setgroups may be denied.
extension ContainerInit {
    /// Whether config.json gives the container a user namespace.
    var inUserNamespace: Bool {
        spec.linux?.namespaces?.contains { $0.type == "user" } == true
    }

    /// The filesystems whose content is that of a namespace, by the host path bound in
    /// their place when the kernel refuses to mount them: sysfs shows the network
    /// namespace, mqueue the ipc namespace, and a user namespace may mount them only
    /// when it owns that namespace.
    static let namespacedFilesystems = ["sysfs": "/sys", "mqueue": "/dev/mqueue"]

    /// Mounts `mount` at `target` or, when the kernel refuses (EPERM: the namespace it
    /// would show is not the user namespace's, e.g. no new network namespace for sysfs),
    /// binds the host's `hostPath` recursively with the mount's flags instead. runc
    /// binds /sys the same way in rootless containers.
    func mountNamespaced(_ mount: Spec.Mount, options: MountOptions, at target: Int32,
                         hostPath: String, in root: RootPath) throws {
        let type = mount.type ?? "none"
        let source = mount.source ?? type
        let targetPath = RootPath.procPath(target)
        let data = options.dataString
        let result = data.withCString { pointer in
            Glibc.mount(source, targetPath, type, options.flags,
                        data.isEmpty ? nil : UnsafeRawPointer(pointer))
        }
        if result == 0 {
            return
        }
        guard errno == EPERM else {
            throw mountFailure(source: source, target: mount.destination, type: type,
                               flags: options.flags, data: data, errno: errno)
        }
        try mountCall(source: hostPath, target: targetPath, type: nil,
                      flags: UInt(MS_BIND | MS_REC), shown: mount.destination)
        if options.flags != 0 {
            try remount(mount.destination, in: root, flags: options.flags)
        }
    }

    /// setgroups(2), which a user namespace whose gid map an unprivileged user wrote
    /// refuses for good (/proc/self/setgroups reads "deny"): the process then keeps the
    /// groups it came with, which is allowed only when none are asked for.
    func setSupplementaryGroups(_ groups: [gid_t]) throws {
        let state = try? FileSystem.readText("/proc/self/setgroups")
        if state?.hasPrefix("deny") == true {
            guard groups.isEmpty else {
                throw RuntimeError(.invalidArgument, "process.user.additionalGids cannot be "
                    + "set: the user namespace denies setgroups (a gid map of one's own gid, "
                    + "written without newgidmap)")
            }
            return
        }
        try check("setgroups", nil) { setgroups(groups.count, groups) }
    }
}
