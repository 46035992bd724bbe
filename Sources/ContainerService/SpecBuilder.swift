#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ImageSpec
import RuntimeKit
import SystemKit

/// Turns an image's configuration and a client's `ContainerSpec` into the OCI runtime
/// configuration of a container, with Docker's semantics:
///
/// - arguments after the container id replace `Cmd` and keep `Entrypoint`; an explicit
///   entrypoint replaces `Entrypoint` and drops `Cmd`;
/// - a user given by name is looked up in the image's own `/etc/passwd` and `/etc/group`;
/// - environment: the image's, then the client's, a later entry for a key winning, with
///   `PATH`, `HOSTNAME`, `HOME` (and `TERM` with a terminal) filled when absent;
/// - a missing working directory is created; one that is a file is an error.
///
/// It starts from the runtime's careful defaults (`Spec.makeDefault`): the usual mounts,
/// masked and read-only paths, capabilities and rlimits.
public struct SpecBuilder: Sendable {
    public struct Context: Sendable {
        public var id: String
        /// The container's root, already mounted: users and the working directory are
        /// resolved in it.
        public var rootfs: String
        /// The bundle directory, where generated files (`hosts`, `hostname`) are written.
        public var bundle: String
        /// The network namespace to join, or nil to share the host's.
        public var networkNamespace: String?
        /// The cgroup of the container, such as `/contaird/b1`.
        public var cgroupsPath: String
        /// A static reaper binary bind-mounted as PID 1 for `--init`.
        public var initBinary: String?
        /// The seccomp profile for unprivileged containers, as an OCI `linux.seccomp` value.
        public var seccompProfile: RuntimeKit.JSONValue?

        public init(id: String, rootfs: String, bundle: String, networkNamespace: String?,
                    cgroupsPath: String, initBinary: String? = nil,
                    seccompProfile: RuntimeKit.JSONValue? = nil) {
            self.id = id
            self.rootfs = rootfs
            self.bundle = bundle
            self.networkNamespace = networkNamespace
            self.cgroupsPath = cgroupsPath
            self.initBinary = initBinary
            self.seccompProfile = seccompProfile
        }
    }

    /// A spec that cannot become a runnable container: `field` names the culprit.
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public let field: String
        public let message: String

        public var description: String { message }
    }

    static let defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    static let initPath = "/sbin/contaird-init"

    public init() {}

    public func build(
        _ request: ContainerSpec,
        image: ImageConfiguration.RunConfiguration?,
        context: Context
    ) throws(Failure) -> Spec {
        var spec = Spec.makeDefault()
        spec.root = Spec.Root(path: context.rootfs, readonly: request.readonly ?? false)
        spec.hostname = request.hostname ?? context.id

        var process = spec.process ?? Spec.Process()
        process.args = try arguments(request, image: image, context: context)
        let user = try resolveUser(request.user ?? image?.User ?? "", in: context.rootfs)
        process.user = Spec.User(uid: user.uid, gid: user.gid,
                                 additionalGids: user.additionalGids.isEmpty
                                     ? nil : user.additionalGids)
        process.env = environment(request, image: image, home: user.home,
                                  hostname: spec.hostname ?? context.id)
        process.cwd = try workingDirectory(request.cwd ?? image?.WorkingDir, user: user,
                                           rootfs: context.rootfs)
        process.terminal = request.tty ?? false
        if request.tty == true, let size = request.terminalSize {
            process.consoleSize = Spec.ConsoleSize(height: UInt16(clamping: size.rows),
                                                   width: UInt16(clamping: size.columns))
        }
        spec.process = process

        var linux = spec.linux ?? Spec.Linux()
        linux.cgroupsPath = context.cgroupsPath
        linux.namespaces = namespaces(linux.namespaces ?? [], network: context.networkNamespace)
        linux.resources = resources(request.resources, base: linux.resources)
        spec.linux = linux

        spec.mounts = try mounts(request, base: spec.mounts ?? [], context: context)
        if request.privileged == true {
            makePrivileged(&spec)
        } else {
            applyDefaultCapabilities(&spec)
            if let profile = context.seccompProfile {
                spec.linux?.seccomp = profile
            }
        }
        return spec
    }

    /// Entrypoint plus command, as Docker combines them.
    func arguments(
        _ request: ContainerSpec, image: ImageConfiguration.RunConfiguration?,
        context: Context
    ) throws(Failure) -> [String] {
        let entrypoint: [String]
        let command: [String]
        if let given = request.entrypoint {
            entrypoint = given
            command = request.args ?? []
        } else {
            entrypoint = image?.Entrypoint ?? []
            command = request.args ?? image?.Cmd ?? []
        }
        let arguments = entrypoint + command
        guard !arguments.isEmpty else {
            throw Failure(
                field: "args",
                message: "no command to run: the image \"\(request.image)\" has no "
                    + "Entrypoint or Cmd; give one after the container id")
        }
        if request.`init` == true, context.initBinary != nil {
            return [Self.initPath, "--"] + arguments
        }
        return arguments
    }

    func resolveUser(_ user: String, in rootfs: String) throws(Failure) -> ImageUser {
        do {
            return try ImageUser.resolve(user, inRoot: rootfs)
        } catch let failure as ImageUser.Failure {
            throw Failure(field: "user", message: failure.description)
        } catch {
            throw Failure(field: "user", message: "cannot read the image's users: \(error)")
        }
    }

    /// The image's variables, then the client's; a later entry for a key replaces an
    /// earlier one in place.
    func environment(
        _ request: ContainerSpec, image: ImageConfiguration.RunConfiguration?,
        home: String, hostname: String
    ) -> [String] {
        var keys: [String] = []
        var values: [String: String] = [:]
        func add(_ entry: String) {
            let key = String(entry.prefix(while: { $0 != "=" }))
            guard !key.isEmpty else { return }
            if values[key] == nil { keys.append(key) }
            values[key] = entry
        }
        add(Self.defaultPath)
        add("HOSTNAME=\(hostname)")
        (image?.Env ?? []).forEach(add)
        (request.env ?? []).forEach(add)
        if values["HOME"] == nil { add("HOME=\(home)") }
        if request.tty == true, values["TERM"] == nil { add("TERM=xterm") }
        return keys.compactMap { values[$0] }
    }

    /// The working directory, created inside the root (owned by the user) when missing.
    func workingDirectory(_ path: String?, user: ImageUser, rootfs: String) throws(Failure)
        -> String
    {
        guard let path, !path.isEmpty else { return "/" }
        guard path.hasPrefix("/") else {
            throw Failure(field: "cwd", message: "working directory \"\(path)\" is not absolute")
        }
        do {
            try Self.makeDirectory(path, inRoot: rootfs, owner: user)
        } catch where error.errno == ENOTDIR {
            throw Failure(field: "cwd",
                          message: "working directory \"\(path)\" is a file in the image")
        } catch {
            throw Failure(field: "cwd", message: "working directory \"\(path)\": \(error)")
        }
        return path
    }

    /// Creates the missing directories of `path`, resolved inside `rootfs`, owned by `owner`.
    static func makeDirectory(_ path: String, inRoot rootfs: String, owner: ImageUser)
        throws(SystemError)
    {
        let root = try FileDescriptor.open(rootfs, O_RDONLY | O_DIRECTORY)
        defer { root.close() }
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/" + component
            do {
                try FileDescriptor.open(prefix, O_RDONLY | O_DIRECTORY, inRoot: root).close()
                continue
            } catch {
                guard error.errno == ENOENT else { throw error }
            }
            let parent = try FileDescriptor.open(FileSystem.parent(of: prefix),
                                                 O_RDONLY | O_DIRECTORY, inRoot: root)
            defer { parent.close() }
            try Syscall.check("mkdirat", path: prefix) {
                mkdirat(parent.rawValue, String(component), 0o755)
            }
            _ = fchownat(parent.rawValue, String(component), owner.uid, owner.gid,
                         AT_SYMLINK_NOFOLLOW)
        }
    }

    func namespaces(_ base: [Spec.Namespace], network: String?) -> [Spec.Namespace] {
        var result = base.filter { $0.type != "network" }
        if let network {
            result.append(Spec.Namespace(type: "network", path: network))
        }
        return result
    }

    func resources(_ request: ContainerSpec.Resources?, base: Spec.Resources?) -> Spec.Resources? {
        guard let request else { return base }
        var resources = base ?? Spec.Resources()
        if let limit = request.memoryLimitBytes {
            resources.memory = Spec.Memory(limit: limit)
        }
        if let cpus = request.cpus, cpus > 0 {
            let period: UInt64 = 100_000
            resources.cpu = Spec.CPU(quota: Int64(cpus * Double(period)), period: period)
        }
        if let pids = request.pidsLimit {
            resources.pids = Spec.Pids(limit: pids)
        }
        return resources
    }

    /// The default mounts, the client's binds, the name files, and the init binary.
    func mounts(_ request: ContainerSpec, base: [Spec.Mount], context: Context)
        throws(Failure) -> [Spec.Mount]
    {
        var mounts = base
        if request.netHost == true {
            // The host's files, visible but never modified from inside.
            for file in ["/etc/resolv.conf", "/etc/hosts"] where FileSystem.exists(file) {
                mounts.append(Spec.Mount(destination: file, type: "bind", source: file,
                                         options: ["rbind", "ro", "nosuid", "nodev", "noexec"]))
            }
        } else {
            let hostname = request.hostname ?? context.id
            let hosts = "127.0.0.1\tlocalhost \(hostname)\n::1\tlocalhost ip6-localhost\n"
            do {
                try FileSystem.writeAtomically(context.bundle + "/hosts", text: hosts,
                                               durable: false)
                try FileSystem.writeAtomically(context.bundle + "/hostname", text: hostname + "\n",
                                               durable: false)
            } catch {
                throw Failure(field: "hostname", message: "cannot write \(error)")
            }
            for name in ["hosts", "hostname"] {
                mounts.append(Spec.Mount(destination: "/etc/" + name, type: "bind",
                                         source: context.bundle + "/" + name,
                                         options: ["rbind", "rw", "nosuid", "nodev", "noexec"]))
            }
        }
        for (index, mount) in (request.mounts ?? []).enumerated() {
            guard mount.destination.hasPrefix("/") else {
                throw Failure(field: "mounts[\(index)].destination",
                              message: "mount destination \"\(mount.destination)\" is not absolute")
            }
            if mount.type == "bind" && !FileSystem.exists(mount.source) {
                throw Failure(field: "mounts[\(index)].source",
                              message: "mount source \"\(mount.source)\" does not exist")
            }
            var options = mount.options
            if mount.type == "bind" && !options.contains("bind") && !options.contains("rbind") {
                options.insert("rbind", at: 0)
            }
            mounts.append(Spec.Mount(destination: mount.destination, type: mount.type,
                                     source: mount.source, options: options))
        }
        if request.`init` == true, let binary = context.initBinary {
            mounts.append(Spec.Mount(destination: Self.initPath, type: "bind", source: binary,
                                     options: ["bind", "ro", "nosuid", "nodev"]))
        }
        return mounts
    }

    /// Every capability, no masked or read-only paths, no seccomp, every device.
    func makePrivileged(_ spec: inout Spec) {
        let all = Self.privilegedCapabilities()
        spec.process?.capabilities = Spec.Capabilities(bounding: all, effective: all,
                                                       inheritable: nil, permitted: all,
                                                       ambient: nil)
        spec.linux?.maskedPaths = nil
        spec.linux?.readonlyPaths = nil
        spec.linux?.seccomp = nil
        var resources = spec.linux?.resources ?? Spec.Resources()
        resources.devices = [Spec.DeviceRule(allow: true, access: "rwm")]
        spec.linux?.resources = resources
        spec.mounts = spec.mounts?.map { mount in
            var copy = mount
            if mount.destination == "/sys" {
                copy.options = mount.options?.map { $0 == "ro" ? "rw" : $0 }
            }
            return copy
        }
    }
}
