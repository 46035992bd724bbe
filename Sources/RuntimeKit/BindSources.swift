#if canImport(Glibc)
import Glibc
#endif
import CRuntime
import SystemKit

/// The sources of config.json's bind mounts, opened by us for an init that runs in a
/// user namespace.
///
/// The init is root only inside its user namespace: a source below a directory that
/// its host uid may not search (mode 700, owned by the real root) is out of its reach.
/// We still are real root, so we open each source with O_PATH and pass the descriptors;
/// the init binds from /proc/self/fd/N, whose lookup checks no directory on the way.
/// A bind mount takes its source from the caller's own mount namespace, so the opens
/// happen inside the init's: we enter it with setns and return to ours after.
struct BindSources {
    /// Indices into `spec.mounts` whose source is passed, in the order sent.
    let indices: [Int]
    let descriptors: [Int32]

    /// Nothing to pass: no user namespace, or we are not root on the host (rootless
    /// runcs owns the files its init reaches anyway).
    static let none = BindSources(indices: [], descriptors: [])

    /// Whether the init of `spec` needs its bind sources opened for it.
    static func needed(for spec: Spec) -> Bool {
        let hasUserNamespace = spec.linux?.namespaces?.contains { $0.type == "user" } ?? false
        return hasUserNamespace && geteuid() == 0 && !bindIndices(of: spec).isEmpty
    }

    /// The indices of the bind mounts of `spec` that name a source.
    static func bindIndices(of spec: Spec) -> [Int] {
        (spec.mounts ?? []).enumerated().compactMap { index, mount in
            let isBind = mount.type == "bind" || MountOptions(mount.options ?? []).isBind
            return isBind && !(mount.source ?? "").isEmpty ? index : nil
        }
    }

    /// Opens the bind sources of `spec` (relative ones from `bundle`) inside the mount
    /// namespace of process `pid`.
    static func open(for spec: Spec, bundle: String, in pid: Int32) throws -> BindSources {
        guard needed(for: spec) else {
            return .none
        }
        let indices = bindIndices(of: spec)
        let ours = try Syscall.check("open", path: "/proc/self/ns/mnt") {
            Glibc.open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC)
        }
        defer { Glibc.close(ours) }
        let theirsPath = "/proc/\(pid)/ns/mnt"
        let theirs = try Syscall.check("open", path: theirsPath) {
            Glibc.open(theirsPath, O_RDONLY | O_CLOEXEC)
        }
        defer { Glibc.close(theirs) }
        // setns moves our cwd to the namespace's root; it comes back with us.
        let cwd = try Syscall.check("open", path: ".") {
            Glibc.open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)
        }
        defer { Glibc.close(cwd) }

        try Syscall.check("setns", path: theirsPath) { cruntime_setns(theirs, CLONE_NEWNS) }
        var descriptors: [Int32] = []
        var failure: (any Error)?
        for index in indices {
            let source = absolute(spec.mounts?[index].source ?? "", bundle: bundle)
            let fd = Glibc.open(source, O_PATH | O_CLOEXEC)
            if fd < 0 {
                failure = SystemError(call: "open", path: source, errno: errno)
                break
            }
            descriptors.append(fd)
        }
        let back = cruntime_setns(ours, CLONE_NEWNS) == 0 ? 0 : errno
        _ = fchdir(cwd)
        if back != 0 || failure != nil {
            descriptors.forEach { Glibc.close($0) }
        }
        if back != 0 {
            throw SystemError(call: "setns", path: "/proc/self/ns/mnt", errno: back)
        }
        if let failure {
            throw failure
        }
        return BindSources(indices: indices, descriptors: descriptors)
    }

    /// A bind source relative to the bundle, as the specification says.
    static func absolute(_ source: String, bundle: String) -> String {
        source.hasPrefix("/") ? source : "\(bundle)/\(source)"
    }

    func close() {
        descriptors.forEach { Glibc.close($0) }
    }
}
