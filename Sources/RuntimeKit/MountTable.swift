#if canImport(Glibc)
import Glibc
#endif
import SystemKit

/// The mounts of our mount namespace, from /proc/self/mountinfo.
enum MountTable {
    /// Each mount's point (as our root sees it) and filesystem type, in table order.
    static func entries() throws -> [(point: String, type: String)] {
        let text = try FileSystem.readText("/proc/self/mountinfo")
        var result: [(point: String, type: String)] = []
        for line in text.split(separator: "\n") {
            let halves = line.split(separator: " - ", maxSplits: 1)
            guard halves.count == 2, let type = halves[1].split(separator: " ").first
            else { continue }
            let fields = halves[0].split(separator: " ")
            guard fields.count >= 5 else { continue }
            result.append((unescape(fields[4]), String(type)))
        }
        return result
    }

    /// Whether `point` is `directory` or below it.
    static func isBelow(_ point: String, _ directory: String) -> Bool {
        point == directory || point.hasPrefix(directory == "/" ? "/" : directory + "/")
    }

    /// `path` with every symbolic link resolved, as mountinfo names mount points.
    static func realPath(_ path: String) throws(RuntimeError) -> String {
        guard let real = realpath(path, nil) else {
            let reason = String(cString: strerror(errno))
            throw RuntimeError(.internal, "realpath \(path): \(reason)")
        }
        defer { free(real) }
        return String(cString: real)
    }

    /// Lazily unmounts each of `points`, deepest first; one already gone with a mount
    /// above it is no failure.
    static func detach(_ points: [String]) throws(RuntimeError) {
        for point in points.sorted(by: { $0.count > $1.count }) {
            if umount2(point, Int32(MNT_DETACH)) != 0 && errno != EINVAL && errno != ENOENT {
                let reason = String(cString: strerror(errno))
                throw RuntimeError(.internal, "umount2 \(point): \(reason)")
            }
        }
    }

    /// A mount point as mountinfo writes it, with its octal escapes ("\040" for a
    /// space) turned back into bytes.
    static func unescape(_ field: Substring) -> String {
        var bytes: [UInt8] = []
        var rest = Array(field.utf8)[...]
        while let byte = rest.first {
            let octal = rest.dropFirst().prefix(3)
            if byte == UInt8(ascii: "\\"), octal.count == 3,
               let value = UInt8(String(decoding: octal, as: UTF8.self), radix: 8) {
                bytes.append(value)
                rest = rest.dropFirst(4)
            } else {
                bytes.append(byte)
                rest = rest.dropFirst()
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
