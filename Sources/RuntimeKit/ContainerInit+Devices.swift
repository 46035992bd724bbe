#if canImport(Glibc)
import Glibc
#endif
import CRuntime
import SystemKit

extension ContainerInit {
    /// The devices every container gets, as (name, major, minor).
    static let defaultDevices: [(String, UInt32, UInt32)] = [
        ("null", 1, 3), ("zero", 1, 5), ("full", 1, 7), ("random", 1, 8), ("urandom", 1, 9),
        ("tty", 5, 0),
    ]

    /// Creates the default devices, the ones `linux.devices` lists, and the usual
    /// /dev symlinks, all inside the rootfs.
    func createDevices(in root: RootPath) throws {
        var devices = Self.defaultDevices.map { name, major, minor in
            Spec.Device(type: "c", path: "/dev/\(name)", major: Int64(major), minor: Int64(minor),
                        fileMode: 0o666, uid: 0, gid: 0)
        }
        for listed in spec.linux?.devices ?? [] {
            devices.removeAll { $0.path == listed.path }
            devices.append(listed)
        }
        for device in devices {
            try createDevice(device, in: root)
        }

        let dev = try root.create("/dev", directory: true)
        defer { close(dev) }
        let links = [("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                     ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")]
        for (name, target) in links {
            try symlink(target, named: name, in: dev)
        }
        let hasDevpts = (spec.mounts ?? []).contains { $0.destination == "/dev/pts" }
        if hasDevpts {
            unlinkat(dev, "ptmx", 0)
            try symlink("pts/ptmx", named: "ptmx", in: dev)
        }
    }

    /// One device node: mknod, or a bind mount of the host's node where mknod is not
    /// allowed (in a user namespace).
    func createDevice(_ device: Spec.Device, in root: RootPath) throws {
        let kind: mode_t
        switch device.type {
        case "c", "u": kind = S_IFCHR
        case "b": kind = S_IFBLK
        case "p": kind = S_IFIFO
        default:
            throw RuntimeError(.invalidArgument,
                               "device \"\(device.path)\": unknown type \"\(device.type)\"")
        }
        let parentPath = FileSystem.parent(of: device.path)
        let name = String(device.path.split(separator: "/").last ?? "")
        let parent = try root.create(parentPath, directory: true)
        defer { close(parent) }
        unlinkat(parent, name, 0)

        let number = cruntime_makedev(UInt32(device.major ?? 0), UInt32(device.minor ?? 0))
        let mode = kind | mode_t(device.fileMode ?? 0o666) & 0o7777
        if mknodat(parent, name, mode, dev_t(number)) != 0 {
            guard errno == EPERM else {
                throw RuntimeError(.internal,
                    "\(SystemError(call: "mknod", path: device.path, errno: errno))")
            }
            let placeholder = try root.create(device.path, directory: false)
            defer { close(placeholder) }
            try mountCall(source: device.path, target: RootPath.procPath(placeholder), type: nil,
                          flags: UInt(MS_BIND), shown: device.path)
            return
        }
        try check("fchownat", device.path) {
            fchownat(parent, name, device.uid ?? 0, device.gid ?? 0, AT_SYMLINK_NOFOLLOW)
        }
    }

    func symlink(_ target: String, named name: String, in directory: Int32) throws {
        if symlinkat(target, directory, name) != 0 && errno != EEXIST {
            throw RuntimeError(.internal,
                "\(SystemError(call: "symlink", path: "/dev/\(name)", errno: errno))")
        }
    }
}
