#if canImport(Glibc)
import Glibc
#endif
import SystemKit

/// The checks `create` makes of a container's user namespace before anything is made.
extension Runtime {
    /// A new user namespace needs both maps (an unmapped root can do nothing), and maps
    /// without a user namespace would mean nothing. A namespace joined by path has its
    /// maps already: any given are ignored (`warnAboutUserNamespace` says so).
    static func validateUserNamespace(_ spec: Spec) throws(RuntimeError) {
        let user = spec.linux?.namespaces?.first { $0.type == "user" }
        let uids = spec.linux?.uidMappings ?? []
        let gids = spec.linux?.gidMappings ?? []
        guard let user else {
            if !uids.isEmpty || !gids.isEmpty {
                throw RuntimeError(.invalidArgument, "config.json: linux.uidMappings and "
                    + "linux.gidMappings need a user namespace in linux.namespaces")
            }
            return
        }
        guard user.path == nil else {
            return
        }
        if uids.isEmpty || gids.isEmpty {
            throw RuntimeError(.invalidArgument, "config.json: a new user namespace needs "
                + "linux.uidMappings and linux.gidMappings")
        }
        for mapping in uids + gids where mapping.size == 0 {
            throw RuntimeError(.invalidArgument,
                "config.json: id mapping of container id \(mapping.containerID) has size 0")
        }
    }

    /// The host uid and gid of the container's root: 0 and 0 without a user namespace,
    /// what the maps say with a new one, nil with one joined by path (or root unmapped).
    static func hostRoot(of spec: Spec) -> (uid: UInt32, gid: UInt32)? {
        guard let user = spec.linux?.namespaces?.first(where: { $0.type == "user" }) else {
            return (0, 0)
        }
        guard user.path == nil,
              let uid = IDMaps.hostID(of: 0, in: spec.linux?.uidMappings ?? []),
              let gid = IDMaps.hostID(of: 0, in: spec.linux?.gidMappings ?? []) else {
            return nil
        }
        return (uid, gid)
    }

    /// Warns about what would make the container's root a stranger in its rootfs: a
    /// rootfs owned by another user (the container runs, but files the image expects
    /// root to own are not, which breaks tools that check ownership, such as ssh and
    /// sudo) and, with a user namespace, a directory on the way to the rootfs that its
    /// host uid may not search (the init's mounts then fail with "permission denied").
    func warnAboutUserNamespace(of rootfs: String, spec: Spec, id: String) {
        let user = spec.linux?.namespaces?.first { $0.type == "user" }
        if user?.path != nil && spec.linux?.uidMappings != nil {
            logger.debug("uidMappings and gidMappings ignored: the user namespace is joined",
                         ["id": id])
        }
        guard let root = Self.hostRoot(of: spec) else {
            return
        }
        var status = stat()
        if stat(rootfs, &status) == 0, status.st_uid != root.uid {
            let whose = user == nil ? "uid 0" : "uid 0, host uid \(root.uid) by uidMappings"
            logger.warning("rootfs \(rootfs) is owned by uid \(status.st_uid), not by the "
                + "container's root (\(whose)); the container runs, but to have files owned "
                + "as the image meant, unpack it as uid \(root.uid) or run chown -R "
                + "\(root.uid):\(root.gid) \(rootfs)", ["id": id])
        }
        guard user != nil, let blocking = Self.unsearchableDirectory(on: rootfs, by: root)
        else {
            return
        }
        logger.warning("the container's root (host uid \(root.uid)) may not search "
            + "\(blocking) on the way to rootfs \(rootfs); give it search permission "
            + "(chmod o+x) or move the bundle", ["id": id])
    }

    /// The first directory from "/" down to `path` whose mode bits deny search to `id`
    /// (supplementary groups and ACLs are not looked at: a hint, not a verdict).
    static func unsearchableDirectory(on path: String, by id: (uid: UInt32, gid: UInt32))
        -> String?
    {
        var directory = ""
        for component in ([""] + path.split(separator: "/").map(String.init)) {
            directory = component.isEmpty ? "/" : directory == "/" ? "/\(component)"
                : "\(directory)/\(component)"
            var status = stat()
            guard stat(directory, &status) == 0 else {
                return nil
            }
            let bit: mode_t = status.st_uid == id.uid ? S_IXUSR
                : status.st_gid == id.gid ? S_IXGRP : S_IXOTH
            if status.st_mode & bit == 0 {
                return directory
            }
        }
        return nil
    }
}
