import Glibc
import Testing
@testable import SystemKit

@Suite struct FileSystemTests {
    /// A private directory under the system's temporary directory, removed by the caller.
    static func temporaryDirectory() throws -> String {
        var template = Array("/tmp/systemkit-test-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        let path = try #require(made.map { String(cString: $0) })
        return path
    }

    @Test func atomicWriteReplacesContentAndLeavesNoTemporary() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileSystem.removeTree(dir) }

        try FileSystem.writeAtomically(dir + "/state.json", text: "one")
        try FileSystem.writeAtomically(dir + "/state.json", text: "two")

        #expect(try FileSystem.readText(dir + "/state.json") == "two")
        #expect(try FileSystem.listDirectory(dir) == ["state.json"])
    }

    @Test func missingFileErrorNamesCallAndPath() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileSystem.removeTree(dir) }

        do {
            _ = try FileSystem.read(dir + "/absent")
            Issue.record("reading a missing file succeeded")
        } catch {
            #expect(error.errno == ENOENT)
            #expect(error.description == "open \(dir)/absent: No such file or directory")
        }
    }

    @Test func createDirectoryMakesParentsAndRemoveTreeRemovesAll() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileSystem.removeTree(dir) }

        try FileSystem.createDirectory(dir + "/a/b/c")
        try FileSystem.writeAtomically(dir + "/a/b/c/f", text: "x")
        symlink("/", dir + "/a/link-to-root")
        #expect(FileSystem.isDirectory(dir + "/a/b/c"))

        try FileSystem.removeTree(dir + "/a")
        #expect(!FileSystem.exists(dir + "/a"))
        #expect(FileSystem.isDirectory("/etc"))
    }

    @Test func parentOfPaths() {
        #expect(FileSystem.parent(of: "/a/b") == "/a")
        #expect(FileSystem.parent(of: "/a/b/") == "/a")
        #expect(FileSystem.parent(of: "/a") == "/")
        #expect(FileSystem.parent(of: "a") == ".")
    }

    @Test func loggerTextQuotesValuesWithSpaces() {
        let line = Logger.textLine([("msg", "container started"), ("id", "b1")])
        #expect(line == "msg=\"container started\" id=b1")
        #expect(Logger.jsonLine([("msg", "a\"b\n")]) == "{\"msg\":\"a\\\"b\\n\"}")
    }
}
