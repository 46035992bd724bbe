#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ImageStore
import RuntimeKit
import SystemKit
import Varlink

/// Creating and removing containers: the image's root as a writable snapshot mounted
/// in the bundle, a network namespace, the OCI configuration, the record.
extension Daemon {
    /// Creates container `id` from `spec`. A creation that fails undoes every step it
    /// took, so the id can be used again at once.
    func createContainer(id: String, spec: ContainerSpec, labels: [String: String])
        throws -> ContainerRecord
    {
        guard ContainerRecord.isValidID(id) else { throw APIError.invalidID(id) }
        if (try? containers.get(id)) != nil { throw APIError.containerExists(id) }

        let image = try findImage(spec.image)
        let runtime = try resolveRuntime(spec.runtime ?? configuration.runtime)
        let now = Logger.timestamp()
        let record = ContainerRecord(
            id: id, spec: spec, imageName: image.name,
            imageDigest: image.target.digest.description, snapshotKey: "container:" + id,
            runtime: runtime, labels: labels, createdAt: now, updatedAt: now)

        // A bundle left by a crash between steps, with no record, is debris: clear it.
        if FileSystem.exists(configuration.bundle(of: id)) {
            teardownBundle(record)
        }
        // So is a root of that key: only a recorded container's root is ever reused.
        try? images.removeRoot(key: record.snapshotKey)
        do {
            try prepareBundle(record)
            try containers.insert(record)
        } catch {
            teardownBundle(record)
            throw error
        }
        forgetRemovedExit(of: id)
        events.publish(DaemonEvent(kind: .container, action: "create", subject: id,
                                   attributes: ["image": image.name]))
        return record
    }

    /// Lays out the bundle of `record`: the root mounted, the network namespace, the
    /// configuration. Also used to rebuild a bundle that a reboot cleared from /run.
    func prepareBundle(_ record: ContainerRecord) throws {
        let bundle = configuration.bundle(of: record.id)
        let rootfs = bundle + "/rootfs"
        try FileSystem.createDirectory(rootfs, mode: 0o711)
        try FileSystem.writeAtomically(bundle + "/runtime", text: record.runtime + "\n",
                                       durable: false)

        // A recorded container whose bundle a reboot cleared keeps its root's files.
        let mounts = try images.existingRoot(key: record.snapshotKey)
            ?? images.prepareRoot(image: record.imageName, key: record.snapshotKey)
        // A `--rm` root is thrown away at exit: no sync of it, at unmount or before.
        try OverlayMount.perform(mounts, at: rootfs, ephemeral: record.spec.autoRemove == true)

        var namespace: String?
        if record.spec.netHost != true {
            let path = configuration.networkNamespace(of: record.id)
            try NetworkNamespace.create(at: path)
            namespace = path
        }

        let runConfiguration = try images.runConfiguration(record.imageName)
        let context = SpecBuilder.Context(
            id: record.id, rootfs: rootfs, bundle: bundle, networkNamespace: namespace,
            cgroupsPath: configuration.cgroupParent + "/" + record.id,
            initBinary: FileSystem.exists(configuration.initBinary)
                ? configuration.initBinary : nil,
            seccompProfile: configuration.seccompProfile)
        let spec: Spec
        do {
            spec = try SpecBuilder().build(record.spec, image: runConfiguration, context: context)
        } catch {
            throw APIError.invalidSpec(field: error.field, error.message)
        }
        let configuration = try JSONValueEncoder().encodeText(spec, sortedKeys: true)
        try FileSystem.writeAtomically(bundle + "/config.json", configuration, durable: false)
    }

    /// Removes container `record`: its root, namespace, bundle and record. The caller
    /// has deleted its task.
    func removeContainer(_ record: ContainerRecord) throws {
        teardownBundle(record)
        try images.removeRoot(key: record.snapshotKey)
        try containers.delete(record.id)
        events.publish(DaemonEvent(kind: .container, action: "delete", subject: record.id))
    }

    /// Undoes `prepareBundle`, step by step, ignoring what is already gone.
    func teardownBundle(_ record: ContainerRecord) {
        let bundle = configuration.bundle(of: record.id)
        if umount2(bundle + "/rootfs", Int32(MNT_DETACH)) != 0 && currentErrno() != EINVAL
            && currentErrno() != ENOENT
        {
            Logger.shared.warning("cannot unmount container root",
                                  ["id": record.id, "errno": currentErrno()])
        }
        try? NetworkNamespace.remove(at: configuration.networkNamespace(of: record.id))
        // The root's record goes now, so its key is free at once; its files, whose unlinks
        // take milliseconds on a busy disk, go on a thread of their own.
        if let files = try? images.detachRoot(key: record.snapshotKey) {
            Self.removeInBackground(files)
        }
        try? FileSystem.removeTree(bundle)
    }

    /// Deletes the directory `path`, which nothing refers to any more, on a thread of its
    /// own (or at once, when no thread can be had).
    static func removeInBackground(_ path: String) {
        do {
            try DetachedThread.start(name: "remove-files") { try? FileSystem.removeTree(path) }
        } catch {
            try? FileSystem.removeTree(path)
        }
    }

    /// The image `reference` names, or ImageNotFound with the names that look alike.
    func findImage(_ reference: String) throws -> ImageRecord {
        do {
            return try images.get(reference)
        } catch {
            guard case .imageNotFound = error else { throw error }
            let known = (try? images.list().map(\.name)) ?? []
            throw APIError.imageNotFound(ImageNames.normalized(reference),
                                         suggestions: ImageNames.suggestions(for: reference,
                                                                             among: known))
        }
    }

    /// The runtime binary `name`: a path, or a program found in PATH.
    func resolveRuntime(_ name: String) throws -> String {
        if name.contains("/") {
            guard access(name, X_OK) == 0 else {
                throw APIError.invalidSpec(field: "runtime",
                                           "runtime \"\(name)\" is not an executable file")
            }
            return name
        }
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/sbin:/usr/bin:/sbin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        throw APIError.invalidSpec(field: "runtime", "runtime \"\(name)\" not found in PATH")
    }
}
