#if canImport(Glibc)
import Glibc
#endif

extension Spec {
    /// The configuration `runcs spec` writes: busybox-style `sh` on a terminal in a
    /// read-only root, with the mounts, masked paths and capabilities most runtimes
    /// start from. `rootless` drops what an unprivileged user cannot set up.
    public static func makeDefault(rootless: Bool = false) -> Spec {
        let capabilities = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
        let process = Process(
            terminal: true,
            user: User(uid: 0, gid: 0),
            args: ["sh"],
            env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                  "TERM=xterm"],
            cwd: "/",
            // No ambient set: the kernel raises an ambient capability only when it is also
            // inheritable, and a default that cannot take effect would only warn.
            capabilities: Capabilities(bounding: capabilities, effective: capabilities,
                                       permitted: capabilities),
            rlimits: [Rlimit(type: "RLIMIT_NOFILE", hard: 1024, soft: 1024)],
            noNewPrivileges: true)

        var mounts = [
            Mount(destination: "/proc", type: "proc", source: "proc"),
            Mount(destination: "/dev", type: "tmpfs", source: "tmpfs",
                  options: ["nosuid", "strictatime", "mode=755", "size=65536k"]),
            Mount(destination: "/dev/pts", type: "devpts", source: "devpts",
                  options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620",
                            "gid=5"]),
            Mount(destination: "/dev/shm", type: "tmpfs", source: "shm",
                  options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
            Mount(destination: "/dev/mqueue", type: "mqueue", source: "mqueue",
                  options: ["nosuid", "noexec", "nodev"]),
            Mount(destination: "/sys", type: "sysfs", source: "sysfs",
                  options: ["nosuid", "noexec", "nodev", "ro"]),
            Mount(destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
                  options: ["nosuid", "noexec", "nodev", "relatime", "ro"]),
        ]
        var namespaces = ["pid", "network", "ipc", "uts", "mount"].map { Namespace(type: $0) }
        var resources: Resources? = Resources(devices: [DeviceRule(allow: false, access: "rwm")])

        if rootless {
            // The container shares the host's network (a network namespace of its own
            // would have no way out), so it may not mount a sysfs of its own: it binds
            // the host's /sys read-only (/sys/fs/cgroup stays, as in runc's rootless
            // spec: the init binds the container's own cgroup directories there). Only
            // the user's own uid and gid are mapped, so no mount may name another
            // (devpts's gid=5). Without privileges over the host there are no cgroup
            // limits to set.
            mounts = mounts.map { mount in
                var mount = mount
                if mount.destination == "/sys" {
                    mount = Mount(destination: "/sys", type: "none", source: "/sys",
                                  options: ["rbind", "nosuid", "noexec", "nodev", "ro"])
                }
                mount.options = mount.options?.filter { option in
                    !option.hasPrefix("uid=") && !option.hasPrefix("gid=")
                }
                return mount
            }
            namespaces.removeAll { $0.type == "network" }
            namespaces.append(Namespace(type: "user"))
            resources = nil
        }

        var linux = Linux(
            namespaces: namespaces,
            resources: resources,
            maskedPaths: ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                          "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                          "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
            readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                            "/proc/sysrq-trigger"])
        if rootless {
            linux.uidMappings = [IDMapping(containerID: 0, hostID: getuid(), size: 1)]
            linux.gidMappings = [IDMapping(containerID: 0, hostID: getgid(), size: 1)]
        }
        return Spec(process: process, root: Root(path: "rootfs", readonly: true),
                    hostname: "runcs", mounts: mounts, linux: linux)
    }
}
