#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization
import SystemKit

/// Notices, at once, when a monitor records an exit: monitors write their exit records
/// atomically (a rename into place), and one inotify descriptor watches every monitor's
/// directory for such renames.
///
/// Threading: one detached thread reads inotify events and calls `onRecord` with the
/// directory and file name; waiters block on a pipe of their own (see `waitForFile`),
/// which lets them watch their client's socket for a hang-up at the same time. State
/// sits behind a `Mutex`.
public final class ExitWatcher: Sendable {
    public typealias Handler = @Sendable (_ directory: String, _ file: String) -> Void

    struct State {
        var directories: [Int32: String] = [:]
        var waiters: [String: [FileDescriptor]] = [:]
    }

    let inotify: FileDescriptor
    let state = Mutex(State())
    let onRecord: Handler

    public init(onRecord: @escaping Handler) throws(SystemError) {
        let fd = try Syscall.check("inotify_init1") { inotify_init1(Int32(IN_CLOEXEC)) }
        inotify = FileDescriptor(rawValue: fd)
        self.onRecord = onRecord
        try DetachedThread.start(name: "exit-watcher") { [self] in readEvents() }
    }

    /// Starts watching `directory` for exit records.
    public func watch(_ directory: String) throws(SystemError) {
        let mask = UInt32(IN_MOVED_TO) | UInt32(IN_CLOSE_WRITE)
        let descriptor = try Syscall.check("inotify_add_watch", path: directory) {
            inotify_add_watch(inotify.rawValue, directory, mask)
        }
        state.withLock { $0.directories[descriptor] = directory }
    }

    /// Stops watching `directory`.
    public func unwatch(_ directory: String) {
        state.withLock { state in
            for (descriptor, path) in state.directories where path == directory {
                inotify_rm_watch(inotify.rawValue, descriptor)
                state.directories[descriptor] = nil
            }
        }
    }

    /// Blocks until a file exists at `path` (returns true), or until `hangUp` becomes
    /// readable or hung up (returns false): a client that goes away stops its wait.
    /// The directory of `path` must be watched.
    public func waitForFile(_ path: String, hangUp: FileDescriptor?) -> Bool {
        guard let pipe = try? FileDescriptor.pipe() else { return FileSystem.exists(path) }
        defer {
            pipe.read.close()
            pipe.write.close()
        }
        state.withLock { $0.waiters[path, default: []].append(pipe.write) }
        defer {
            state.withLock { state in
                state.waiters[path]?.removeAll { $0 == pipe.write }
                if state.waiters[path]?.isEmpty == true { state.waiters[path] = nil }
            }
        }
        while !FileSystem.exists(path) {
            var entries = [pollfd(fd: pipe.read.rawValue, events: Int16(POLLIN), revents: 0)]
            if let hangUp {
                entries.append(pollfd(fd: hangUp.rawValue, events: Int16(POLLIN), revents: 0))
            }
            // A periodic look as well, should an event ever be missed (an overflow).
            let ready = poll(&entries, nfds_t(entries.count), 1000)
            if ready > 0 && entries.count > 1 && entries[1].revents != 0 {
                return FileSystem.exists(path)
            }
        }
        return true
    }

    func readEvents() {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes {
                read(inotify.rawValue, $0.baseAddress, $0.count)
            }
            if count < 0 {
                if currentErrno() == EINTR { continue }
                Logger.shared.error("exit watcher stopped", ["error": currentErrno()])
                return
            }
            var offset = 0
            while offset + 16 <= count {
                let descriptor = buffer.withUnsafeBytes {
                    $0.loadUnaligned(fromByteOffset: offset, as: Int32.self)
                }
                let length = Int(buffer.withUnsafeBytes {
                    $0.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self)
                })
                let nameBytes = buffer[(offset + 16)..<(offset + 16 + length)]
                let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
                offset += 16 + length
                dispatch(descriptor: descriptor, name: name)
            }
        }
    }

    func dispatch(descriptor: Int32, name: String) {
        guard !name.isEmpty, !name.hasPrefix("."), !name.contains(".tmp") else { return }
        let (directory, waiters): (String?, [FileDescriptor]) = state.withLock { state in
            guard let directory = state.directories[descriptor] else { return (nil, []) }
            return (directory, state.waiters[directory + "/" + name] ?? [])
        }
        guard let directory else { return }
        var one: UInt8 = 1
        for waiter in waiters {
            _ = write(waiter.rawValue, &one, 1)
        }
        onRecord(directory, name)
    }
}
