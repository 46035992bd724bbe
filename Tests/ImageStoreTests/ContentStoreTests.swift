import Glibc
import ImageSpec
import Testing
@testable import ImageStore
import SystemKit

@Suite struct ContentStoreTests {
    @Test func committedBlobIsVisibleUnderItsDigest() throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        let store = try ContentStore(root: directory)
        let bytes = Array("hello layer".utf8)
        let digest = Digest.sha256(of: bytes)

        let writer = try store.writer(expected: Descriptor(mediaType: "x", digest: digest,
                                                           size: Int64(bytes.count)))
        try writer.write(Array(bytes[0..<5]))
        try writer.write(Array(bytes[5...]))
        #expect(!store.exists(digest))
        try writer.commit()

        #expect(writer.created)
        #expect(try store.read(digest) == bytes)
        #expect(try store.list() == [digest])
        #expect(try FileSystem.listDirectory(directory + "/ingest").isEmpty)
    }

    @Test func wrongDigestOrSizeIsRefusedAndLeavesNothing() throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        let store = try ContentStore(root: directory)
        let claimed = Digest.sha256(of: Array("other".utf8))

        let lying = try store.writer(
            expected: Descriptor(mediaType: "x", digest: claimed, size: 5))
        try lying.write(Array("wrong".utf8))
        #expect(throws: ImageStoreError.self) { try lying.commit() }

        let short = try store.writer()
        try short.write(Array("abc".utf8))
        do {
            try short.commit(expectedSize: 4)
            Issue.record("a short blob was committed")
        } catch {
            #expect("\(error)".contains("size mismatch"))
        }

        #expect(try store.list().isEmpty)
        #expect(try FileSystem.listDirectory(directory + "/ingest").isEmpty)
    }

    @Test func secondWriterOfSameDigestWaitsAndWritesNothing() throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        let store = try ContentStore(root: directory)
        let bytes = [UInt8](repeating: 7, count: 100_000)
        let descriptor = Descriptor(mediaType: "x", digest: Digest.sha256(of: bytes),
                                    size: Int64(bytes.count))

        let first = try store.writer(expected: descriptor)
        try first.write(bytes)
        nonisolated(unsafe) var secondSawBlob = false
        let second = Worker {
            guard let writer = try? store.writer(expected: descriptor) else { return }
            secondSawBlob = writer.alreadyExists
            _ = try? writer.commit()
        }
        second.start()
        usleep(100_000)
        try first.commit()
        second.join()

        #expect(secondSawBlob)
        #expect(try store.read(descriptor.digest) == bytes)
    }

    @Test func abortedAndStaleIngestsLeaveNoBlob() throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        let store = try ContentStore(root: directory)

        let aborted = try store.writer()
        try aborted.write(Array("partial".utf8))
        aborted.abort()
        // A crash mid-write leaves an unlocked file in ingest/.
        try FileSystem.writeAtomically(directory + "/ingest/" + String(repeating: "a", count: 64),
                                       text: "half")

        _ = try ContentStore(root: directory)
        #expect(try FileSystem.listDirectory(directory + "/ingest").isEmpty)
        #expect(try store.list().isEmpty)
    }
}

/// Runs `body` on a POSIX thread until `join`.
final class Worker: @unchecked Sendable {
    private var thread = pthread_t()
    let body: () -> Void

    init(_ body: @escaping () -> Void) {
        self.body = body
    }

    func start() {
        let context = Unmanaged.passRetained(self).toOpaque()
        pthread_create(&thread, nil, { context in
            Unmanaged<Worker>.fromOpaque(context!).takeRetainedValue().body()
            return nil
        }, context)
    }

    func join() {
        pthread_join(thread, nil)
    }
}
