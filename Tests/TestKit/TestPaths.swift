#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemKit

/// Where every test suite finds what it drives, shared by all test targets: the package
/// root, the build products beside the running test bundle, and private directories.
public enum TestPaths {
    /// The directory holding Package.swift, found by walking up from this file.
    public static let packageRoot: String = {
        var directory = FileSystem.parent(of: #filePath)
        while directory != "/" && !FileSystem.exists(directory + "/Package.swift") {
            directory = FileSystem.parent(of: directory)
        }
        precondition(directory != "/", "no Package.swift above \(#filePath)")
        return directory
    }()

    /// `../shared` beside the package root: the images and the registry script.
    public static let shared = FileSystem.parent(of: packageRoot) + "/shared"

    /// The build products directory (the executables), from /proc/self/exe of the test
    /// bundle, whose binary may sit inside a ".xctest" directory or be it.
    public static let productsDirectory: String = {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        precondition(length > 0, "readlink /proc/self/exe failed")
        var path = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) },
                          as: UTF8.self)
        path = FileSystem.parent(of: path)
        while path.contains(".xctest") {
            path = FileSystem.parent(of: path)
        }
        return path
    }()

    /// A new private directory `<parent>/<prefix>-XXXXXX` (mkdtemp), which the caller
    /// removes. Under /tmp by default: short enough for Unix socket paths.
    public static func temporaryDirectory(_ prefix: String, under parent: String = "/tmp")
        throws(SystemError) -> String
    {
        var template = Array("\(parent)/\(prefix)-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else {
            throw SystemError(call: "mkdtemp", path: parent, errno: currentErrno())
        }
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) },
                      as: UTF8.self)
    }
}
