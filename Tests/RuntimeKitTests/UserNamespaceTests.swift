import FoundationEssentials
import Glibc
@testable import RuntimeKit
import SystemKit
import Testing

/// User namespaces: id maps written by root, namespaces joined by path beside a user
/// namespace, and rootless runs by an unprivileged user, all on the Alpine rootfs.
/// Serialized: the rootless tests add users, whose database takes one writer at a time.
@Suite(.serialized) struct UserNamespaceTests {
    /// The host range the container's ids 0…65535 map to in the tests run as root.
    static let hostBase: UInt32 = 100_000

    /// An Alpine container whose process runs `script`, with a user namespace mapping
    /// 0…65535 to the host's 100000…165535 and a rootfs owned by the mapped root.
    func mappedContainer(_ script: String) throws -> TestContainer {
        let container = try AlpineTests().alpine(script)
        let mapping = [Spec.IDMapping(containerID: 0, hostID: Self.hostBase, size: 65536)]
        container.spec.linux?.namespaces?.append(Spec.Namespace(type: "user"))
        container.spec.linux?.uidMappings = mapping
        container.spec.linux?.gidMappings = mapping
        let owner = "\(Self.hostBase):\(Self.hostBase)"
        let chown = try TestContainer.execute(["/bin/chown", "-R", owner, container.rootfs])
        try #require(chown.status == 0, "chown: \(chown.error)")
        return container
    }

    /// `text` split into whitespace-separated words, to compare /proc id maps.
    func words(_ text: String) -> [String] {
        text.split(whereSeparator: \.isWhitespace).map(String.init)
    }

    /// The target of the symbolic link at `path`, such as "user:[4026532174]".
    func readLink(_ path: String) throws -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = try Syscall.check("readlink", path: path) {
            readlink(path, &buffer, buffer.count - 1)
        }
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    @Test func rootMapsTheContainersRootToAHostRange() throws {
        let shared = try TestContainer.temporaryDirectory(prefix: "runcs-userns-bind")
        defer { try? FileSystem.removeTree(shared) }
        chown(shared, Self.hostBase, Self.hostBase)
        let script = "id -u; cat /proc/self/uid_map; touch /shared/made-inside; echo 1 > /dev/null"
        let container = try mappedContainer(script)
        defer { container.cleanUp() }
        container.spec.mounts?.append(Spec.Mount(destination: "/shared", type: "bind",
                                                 source: shared, options: ["rbind", "rw"]))

        let result = try container.run()
        #expect(result.status == 0, "\(result.error)")
        #expect(words(result.output) == ["0", "0", "\(Self.hostBase)", "65536"])
        var status = stat()
        #expect(stat("\(shared)/made-inside", &status) == 0)
        #expect(status.st_uid == Self.hostBase && status.st_gid == Self.hostBase)
        #expect(!result.error.contains("owned by uid"), "\(result.error)")
    }

    @Test func joinsAUserNamespaceByPathAndMakesItsOwnPidNamespaceInIt() throws {
        let owner = try mappedContainer("sleep 30")
        defer { owner.cleanUp() }
        let ownerID = owner.makeID("userns-owner")
        let started = try owner.runcs(["run", "-d", "-b", owner.bundle, ownerID])
        try #require(started.status == 0, "\(started.error)")
        let pid = try owner.initPID(ownerID)
        let namespace = try readLink("/proc/\(pid)/ns/user")

        let joiner = try mappedContainer("echo $$; id -u; cat /proc/self/uid_map; "
            + "readlink /proc/self/ns/user")
        defer { joiner.cleanUp() }
        joiner.spec.linux?.uidMappings = nil
        joiner.spec.linux?.gidMappings = nil
        let joinerNamespaces = joiner.spec.linux?.namespaces ?? []
        joiner.spec.linux?.namespaces = joinerNamespaces.map { entry in
            entry.type == "user" ? Spec.Namespace(type: "user", path: "/proc/\(pid)/ns/user")
                : entry
        }
        let result = try joiner.run()
        #expect(result.status == 0, "\(result.error)")
        #expect(words(result.output) == ["1", "0", "0", "\(Self.hostBase)", "65536", namespace])
    }

    @Test func aNewUserNamespaceBesideAJoinedHostNetworkNamespace() throws {
        // A container without a user namespace: its network namespace is the host's.
        let host = try AlpineTests().alpine("sleep 30")
        defer { host.cleanUp() }
        let hostID = host.makeID("netns-owner")
        let started = try host.runcs(["run", "-d", "-b", host.bundle, hostID])
        try #require(started.status == 0, "\(started.error)")
        let pid = try host.initPID(hostID)
        let network = try readLink("/proc/\(pid)/ns/net")

        let container = try mappedContainer("id -u; readlink /proc/self/ns/net; "
            + "cat /proc/self/uid_map; ls /sys/class/net | grep -c .")
        defer { container.cleanUp() }
        let namespaces = container.spec.linux?.namespaces ?? []
        container.spec.linux?.namespaces = namespaces.map { entry in
            entry.type == "network"
                ? Spec.Namespace(type: "network", path: "/proc/\(pid)/ns/net") : entry
        }
        let result = try container.run()
        #expect(result.status == 0, "\(result.error)")
        let lines = words(result.output)
        #expect(lines.prefix(5) == ["0", network, "0", "\(Self.hostBase)", "65536"])
        // sysfs could not be mounted (the network namespace is not the user
        // namespace's): /sys is the host's, bound, with its interfaces.
        #expect(Int(lines.last ?? "") ?? 0 > 0)
    }

    @Test func anUnprivilegedUserRunsARootlessSpecContainer() throws {
        let user = try TemporaryUser()
        defer { user.remove() }
        let bundle = try RootlessBundle(user: user)
        defer { bundle.cleanUp() }
        try bundle.configure(args: ["sh", "-c", "id -u; cat /proc/self/uid_map"])

        let result = try user.execute([TestContainer.runcsPath, "--root", bundle.stateRoot,
                                       "run", "-b", bundle.path, "rootless-\(getpid())"])
        #expect(result.status == 0, "\(result.error)")
        #expect(words(result.output) == ["0", "0", "\(user.uid)", "1"])
        #expect(!result.error.contains("owned by uid"), "\(result.error)")
    }

    @Test func aRootlessContainerRunsAsItsUserOnTheHostAndKeepsStateInXDGRuntimeDir()
        throws
    {
        let user = try TemporaryUser()
        defer { user.remove() }
        let bundle = try RootlessBundle(user: user)
        defer { bundle.cleanUp() }
        try bundle.configure(args: ["sleep", "30"])
        let runtimeDirectory = "\(bundle.directory)/xdg"
        _ = try user.execute(["/bin/mkdir", "-m", "700", runtimeDirectory])
        let environment = ["XDG_RUNTIME_DIR=\(runtimeDirectory)"]
        let id = "rootless-\(getpid())"

        let started = try user.execute([TestContainer.runcsPath, "run", "-d", "-b", bundle.path,
                                        id], environment: environment)
        #expect(started.status == 0, "\(started.error)")
        defer {
            _ = try? user.execute([TestContainer.runcsPath, "delete", "--force", id],
                                  environment: environment)
        }
        #expect(FileSystem.isDirectory("\(runtimeDirectory)/runcs/\(id)"))
        let state = try user.execute([TestContainer.runcsPath, "state", id],
                                     environment: environment)
        let report = try JSONDecoder().decode(StateReport.self, from: Data(state.output.utf8))
        let status = try FileSystem.readText("/proc/\(report.pid)/status")
        let uids = status.split(separator: "\n").first { $0.hasPrefix("Uid:") }.map(String.init)
        let own = "\(user.uid)"
        #expect(uids.map(words) == ["Uid:", own, own, own, own])
        #expect(report.status == .running)
    }

    @Test func aRootlessContainerAskingForLimitsFailsClearly() throws {
        let user = try TemporaryUser()
        defer { user.remove() }
        let bundle = try RootlessBundle(user: user)
        defer { bundle.cleanUp() }
        try bundle.configure(args: ["true"]) { spec in
            spec.linux?.resources = Spec.Resources(memory: Spec.Memory(limit: 64 << 20))
        }

        let result = try user.execute([TestContainer.runcsPath, "--root", bundle.stateRoot,
                                       "run", "-b", bundle.path, "limits-\(getpid())"])
        #expect(result.status != 0)
        #expect(result.error.contains("rootless container gets linux.resources only in a "
            + "cgroup delegated to its user"), "\(result.error)")
    }

    @Test func theRootlessSpecMapsOwnIDsAndLeavesOutWhatNeedsPrivileges() {
        let spec = Spec.makeDefault(rootless: true)
        let types = (spec.linux?.namespaces ?? []).map(\.type)
        #expect(types.contains("user") && !types.contains("network"))
        #expect(spec.linux?.uidMappings == [Spec.IDMapping(containerID: 0, hostID: getuid(),
                                                           size: 1)])
        #expect(spec.linux?.gidMappings == [Spec.IDMapping(containerID: 0, hostID: getgid(),
                                                           size: 1)])
        #expect(spec.linux?.resources == nil)
        let mounts = spec.mounts ?? []
        let sys = mounts.first { $0.destination == "/sys" }
        #expect(sys?.source == "/sys" && sys?.options?.first == "rbind")
        #expect(mounts.map(\.destination) == Spec.makeDefault().mounts?.map(\.destination))
        #expect(!mounts.contains { mount in
            (mount.options ?? []).contains { $0.hasPrefix("gid=") || $0.hasPrefix("uid=") }
        })
    }

    @Test func remountsKeepLockedFlagsOnlyInAUserNamespace() {
        let host = ST_NOSUID | ST_NODEV | ST_RDONLY | ST_NOATIME
        let asRoot = MountOptions.keptOnRemount(host, requested: 0, userNamespace: false)
        #expect(asRoot == UInt(MS_NOSUID | MS_NODEV))
        let inside = MountOptions.keptOnRemount(host, requested: 0, userNamespace: true)
        #expect(inside == UInt(MS_NOSUID | MS_NODEV | MS_RDONLY | MS_NOATIME))
        let relatime = MountOptions.keptOnRemount(ST_RELATIME, requested: 0, userNamespace: true)
        #expect(relatime == UInt(MS_RELATIME))
        let strict = MountOptions.keptOnRemount(0, requested: 0, userNamespace: true)
        #expect(strict == UInt(MS_STRICTATIME))
        let asked = MountOptions.keptOnRemount(ST_NOATIME, requested: UInt(MS_RELATIME),
                                               userNamespace: true)
        #expect(asked == 0)
    }

    @Test func idMapsAreWrittenByUsOnlyWhenTheKernelAllowsIt() {
        let own = [Spec.IDMapping(containerID: 0, hostID: 1001, size: 1)]
        let range = own + [Spec.IDMapping(containerID: 1, hostID: 100_000, size: 65536)]
        #expect(IDMaps.writer(for: range, ownID: 0, privileged: true) == .runtime)
        #expect(IDMaps.writer(for: own, ownID: 1001, privileged: false) == .runtime)
        #expect(IDMaps.writer(for: own, ownID: 1002, privileged: false) == .helper)
        #expect(IDMaps.writer(for: range, ownID: 1001, privileged: false) == .helper)
        #expect(IDMaps.mapText(range) == "0 1001 1\n1 100000 65536\n")
        #expect(IDMaps.hostID(of: 70, in: range) == 100_069)
        #expect(IDMaps.hostID(of: 65537, in: range) == nil)
    }

    @Test func namespacesAreJoinedBeforeTheUserNamespaceAndMadeAfterIt() {
        let joins: [(fd: Int32, type: Int32)] = [(3, CLONE_NEWUSER), (4, CLONE_NEWNS),
                                                 (5, CLONE_NEWNET), (6, CLONE_NEWIPC)]
        let ordered = NamespaceJoinOrder.ordered(joins).map(\.type)
        #expect(ordered == [CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWUSER])

        let fresh = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS
        #expect(InitLauncher.spawnFlags(fresh, joins: []) == (fresh, 0))
        #expect(InitLauncher.spawnFlags(fresh, joins: [(5, CLONE_NEWNET)]) == (0, fresh))
        let withoutUser = CLONE_NEWPID | CLONE_NEWNS
        #expect(InitLauncher.spawnFlags(withoutUser, joins: [(5, CLONE_NEWNET)])
                == (withoutUser, 0))
        #expect(InitLauncher.spawnFlags(withoutUser, joins: [(3, CLONE_NEWUSER)])
                == (0, withoutUser))
    }

    @Test func mapsWithoutAUserNamespaceOrAUserNamespaceWithoutMapsAreRefused() throws {
        let container = try TestContainer(args: ["true"])
        defer { container.cleanUp() }
        container.spec.linux?.uidMappings = [Spec.IDMapping(containerID: 0, hostID: 1, size: 1)]
        let mapsOnly = try container.run()
        #expect(mapsOnly.status != 0)
        #expect(mapsOnly.error.contains("need a user namespace"), "\(mapsOnly.error)")

        container.spec.linux?.uidMappings = nil
        container.spec.linux?.namespaces?.append(Spec.Namespace(type: "user"))
        let namespaceOnly = try container.run()
        #expect(namespaceOnly.status != 0)
        #expect(namespaceOnly.error.contains("needs linux.uidMappings"),
                "\(namespaceOnly.error)")
    }
}
