import Glibc
import CShim
import Testing
@testable import SystemKit

@Suite struct DaemonSupportTests {
    @Test func aSecondLockOnTheSameDirectoryIsRefusedWithTheHolder() throws {
        let dir = try FileSystemTests.temporaryDirectory()
        defer { try? FileSystem.removeTree(dir) }

        let first = try DirectoryLock.acquire(in: dir)
        do {
            _ = try DirectoryLock.acquire(in: dir)
            Issue.record("a second lock was granted")
        } catch {
            let expected = "\(dir)/lock is locked by another process (pid \(getpid()))"
            #expect(error.description == expected)
        }
        first.release()

        // The lock belongs to the open file, which a child that another test is spawning
        // at this instant may share until its exec closes it: allow it a moment.
        var again: DirectoryLock?
        for _ in 0..<200 where again == nil {
            again = try? DirectoryLock.acquire(in: dir)
            if again == nil { usleep(10_000) }
        }
        #expect(again != nil, "the released lock could not be taken again")
        again?.release()
    }

    @Test func windowSizeOfAPseudoTerminal() throws {
        var peer = [CChar](repeating: 0, count: 64)
        let master = cshim_open_pty_master("/dev/ptmx", &peer, peer.count)
        try #require(master >= 0)
        defer { close(master) }
        let fd = FileDescriptor(rawValue: master)

        try Terminal.setSize(of: fd, rows: 33, columns: 101)
        let size = try #require(Terminal.size(of: fd))
        #expect(size.rows == 33 && size.columns == 101)
        #expect(try Terminal.makeRaw(FileDescriptor(rawValue: -1)) == nil)
    }

    @Test func readyReachesTheNotifySocket() throws {
        let dir = try FileSystemTests.temporaryDirectory()
        defer { try? FileSystem.removeTree(dir) }
        let path = dir + "/notify"
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        try #require(bound == 0)

        setenv("NOTIFY_SOCKET", path, 1)
        defer { unsetenv("NOTIFY_SOCKET") }
        ServiceNotifier.notify("READY=1")

        var buffer = [UInt8](repeating: 0, count: 64)
        let got = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        #expect(got == 7)
        #expect(String(decoding: buffer.prefix(max(0, got)), as: UTF8.self) == "READY=1")
    }
}
