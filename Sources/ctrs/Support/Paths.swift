#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Paths the user typed, made absolute before they go to the daemon (whose working
/// directory is not ctrs's).
enum Paths {
    static func absolute(_ path: String) -> String {
        guard !path.hasPrefix("/") else {
            return path
        }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else {
            return path
        }
        let length = buffer.firstIndex(of: 0) ?? buffer.count
        let directory = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) },
                               as: UTF8.self)
        return directory == "/" ? "/" + path : directory + "/" + path
    }
}
