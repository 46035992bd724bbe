#if canImport(Glibc)
import Glibc
#endif
import SystemKit

/// The state directory given by `--root`: one directory per container holding
/// `state.json` and, until `start`, the exec fifo.
///
/// Two runcs processes acting on one container serialize on an exclusive `flock` of
/// that container's directory; `state.json` is replaced atomically, so a reader that
/// takes no lock still sees a whole file.
public struct StateStore: Sendable {
    public let root: String

    public init(root: String) {
        self.root = root
    }

    /// The name of the fifo the init blocks on until `start`.
    static let execFifoName = "exec.fifo"

    public func directory(of id: String) -> String {
        "\(root)/\(id)"
    }

    /// Checks that `id` is usable as a directory name and by other tools.
    public static func validate(id: String) throws(RuntimeError) {
        let allowed = id.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a)
                || (byte >= 0x61 && byte <= 0x7a) || byte == 0x2d || byte == 0x5f
                || byte == 0x2e || byte == 0x2b
        }
        guard !id.isEmpty, allowed, id != ".", id != ".." else {
            throw RuntimeError(.invalidArgument, "invalid container id \"\(id)\"")
        }
    }

    /// Makes the container's directory and locks it; fails when it already exists.
    func createDirectory(for id: String) throws(RuntimeError) -> ContainerLock {
        do {
            try FileSystem.createDirectory(root, mode: 0o711)
        } catch {
            let hint = Self.rootHint(error.errno)
            throw RuntimeError(.internal, "create state root: \(error)\(hint)")
        }
        let path = directory(of: id)
        if mkdir(path, 0o711) != 0 {
            if errno == EEXIST {
                throw RuntimeError(.alreadyExists, "container with id \"\(id)\" already exists")
            }
            let failure = SystemError(call: "mkdir", path: path, errno: errno)
            throw RuntimeError(.internal, "\(failure)\(Self.rootHint(failure.errno))")
        }
        return try lock(id)
    }

    /// What a user other than root who may not write the state root can do about it.
    static func rootHint(_ code: Int32) -> String {
        guard code == EACCES, geteuid() != 0 else {
            return ""
        }
        return " (as a user other than root, set XDG_RUNTIME_DIR or pass --root)"
    }

    /// Takes the container's lock, waiting for any other runcs holding it.
    func lock(_ id: String) throws(RuntimeError) -> ContainerLock {
        try Self.validate(id: id)
        let path = directory(of: id)
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT {
                throw RuntimeError.noSuchContainer(id)
            }
            throw RuntimeError(.internal, "\(SystemError(call: "open", path: path, errno: errno))")
        }
        do {
            try Syscall.check("flock", path: path) { flock(fd, LOCK_EX) }
        } catch {
            close(fd)
            throw RuntimeError(.internal, "\(error)")
        }
        return ContainerLock(fd: fd, directory: path)
    }

    /// The saved state of `id`.
    func load(_ id: String) throws(RuntimeError) -> ContainerState {
        let path = "\(directory(of: id))/state.json"
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.read(path)
        } catch {
            if error.errno == ENOENT {
                throw RuntimeError.noSuchContainer(id)
            }
            throw RuntimeError(.internal, "\(error)")
        }
        do {
            return try ContainerState(json: JSONValue.parse(bytes))
        } catch {
            throw RuntimeError(.internal, "read \(path): \(error)")
        }
    }

    /// Replaces the saved state atomically.
    func save(_ state: ContainerState) throws(RuntimeError) {
        let path = "\(directory(of: state.id))/state.json"
        do {
            try Self.replace(path, with: Array(state.json.serialized().utf8))
        } catch {
            throw RuntimeError(.internal, "write \(path): \(error)")
        }
    }

    /// Replaces the file at `path` by a rename, so readers see the old or the new
    /// content. Not synced: runtime state lives on tmpfs and means nothing after a
    /// reboot, and an fsync costs more than the rest of a container start.
    static func replace(_ path: String, with bytes: [UInt8], mode: mode_t = 0o600)
        throws(SystemError)
    {
        let temporary = "\(path).tmp-\(getpid())"
        let fd = try FileDescriptor.open(temporary, O_WRONLY | O_CREAT | O_TRUNC, mode: mode)
        do {
            try fd.writeAll(bytes)
            fd.close()
            try Syscall.check("rename", path: path) { rename(temporary, path) }
        } catch {
            fd.close()
            unlink(temporary)
            throw SystemError(call: error.call, path: path, errno: error.errno)
        }
    }

    /// The status of a container from its saved state and the host's process table.
    func status(of state: ContainerState) -> ContainerStatus {
        guard HostProcess.isAlive(state.pid, startTime: state.initStartTime) else {
            return .stopped
        }
        let fifo = "\(directory(of: state.id))/\(Self.execFifoName)"
        if FileSystem.exists(fifo) {
            return .created
        }
        if ContainerCgroup.isPaused(state) {
            return .paused
        }
        return .running
    }

    /// The ids of every container under the root, sorted.
    func ids() -> [String] {
        let names = (try? FileSystem.listDirectory(root)) ?? []
        return names.filter { FileSystem.isDirectory("\(root)/\($0)") }.sorted()
    }

    /// Removes the container's directory and everything in it.
    func remove(_ id: String) throws(RuntimeError) {
        do {
            try FileSystem.removeTree(directory(of: id))
        } catch {
            throw RuntimeError(.internal, "remove state of \"\(id)\": \(error)")
        }
    }
}

/// An exclusive lock on one container's state directory, released by `unlock()`
/// (closing the descriptor drops the flock).
struct ContainerLock {
    let fd: Int32
    let directory: String

    func unlock() {
        close(fd)
    }
}
