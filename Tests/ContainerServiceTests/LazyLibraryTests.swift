import SystemKit
import Testing

/// The libraries the daemon loads on use (Sources/CLazyLibraries): neither libcurl nor
/// libarchive at start, and libarchive unloaded again once an import is done.
@Suite struct LazyLibraryTests {
    @Test func archiveAndCurlAreMappedOnlyWhileUsed() async throws {
        try await TestDaemon.with(importImage: false) { daemon in
            let pid = daemon.processID.withLock { $0 }
            let atStart = try FileSystem.readText("/proc/\(pid)/maps")
            #expect(!atStart.contains("libarchive.so") && !atStart.contains("libcurl.so"))

            try await blocking { try daemon.importImage() }
            let images = try daemon.client.call("io.contaird.Images.List")
            #expect("\(images)".contains(daemon.image))
            let afterImport = try FileSystem.readText("/proc/\(pid)/maps")
            #expect(!afterImport.contains("libarchive.so"), "libarchive is still mapped")
            #expect(!afterImport.contains("libcurl.so"))
        }
    }
}
