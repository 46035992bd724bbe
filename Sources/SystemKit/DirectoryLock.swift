#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An exclusive lock on a directory, held while the process lives (flock on a lock file
/// inside it). The kernel drops it when the holder dies, so a stale lock cannot remain.
public struct DirectoryLock: Sendable {
    public let path: String
    let descriptor: FileDescriptor

    public enum Failure: Error, CustomStringConvertible {
        case held(path: String, holder: String)
        case system(SystemError)

        public var description: String {
            switch self {
            case .held(let path, let holder):
                "\(path) is locked by another process (\(holder))"
            case .system(let error):
                error.description
            }
        }
    }

    /// Takes the lock on `directory/name` without waiting; the holder's pid is written
    /// into the file so that the error can say who holds it.
    public static func acquire(in directory: String, name: String = "lock") throws(Failure)
        -> DirectoryLock
    {
        let path = directory + "/" + name
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(path, O_RDWR | O_CREAT, mode: 0o600)
        } catch {
            throw .system(error)
        }
        if flock(fd.rawValue, LOCK_EX | LOCK_NB) != 0 {
            let holder = (try? fd.readToEnd()).map { String(decoding: $0, as: UTF8.self) }
            fd.close()
            let text = holder?.split(separator: "\n").first.map { "pid \($0)" } ?? "unknown pid"
            throw .held(path: path, holder: text)
        }
        _ = ftruncate(fd.rawValue, 0)
        _ = try? fd.writeAll("\(getpid())\n")
        return DirectoryLock(path: path, descriptor: fd)
    }

    /// Releases the lock.
    public func release() {
        descriptor.close()
    }
}
