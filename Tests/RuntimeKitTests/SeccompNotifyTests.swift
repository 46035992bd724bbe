import CShim
import FoundationEssentials
import Glibc
import RuntimeKit
import RuntimeSupport
import SystemKit
import Testing

/// SCMP_ACT_NOTIFY: the test is the agent. It listens on the profile's listenerPath,
/// receives the filter's listener with the container process state, and answers the
/// container's mkdir with an error of its choosing through the listener's ioctls.
@Suite struct SeccompNotifyTests {
    /// SECCOMP_IOCTL_NOTIF_RECV and _SEND: _IOWR('!', 0, struct seccomp_notif) (80 bytes)
    /// and _IOWR('!', 1, struct seccomp_notif_resp) (24 bytes).
    static let receiveRequest: UInt = 0xC050_2100
    static let sendRequest: UInt = 0xC018_2101

    func notifyingProfile(listener path: String, calls: [String]) -> JSONValue {
        .object([
            "defaultAction": .string("SCMP_ACT_ALLOW"),
            "listenerPath": .string(path),
            "listenerMetadata": .string("from-the-test"),
            "syscalls": .array([.object([
                "names": .array(calls.map(JSONValue.string)),
                "action": .string("SCMP_ACT_NOTIFY"),
            ])]),
        ])
    }

    /// Waits up to 10 s for `fd` to be readable.
    func readable(_ fd: Int32) -> Bool {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&poller, 1, 10_000) > 0
    }

    @Test(.enabled(if: Seccomp.isAvailable))
    func theAgentGetsTheListenerAndTheStateAndAnswersTheCall() throws {
        let container = try TestContainer(args: ["sh", "-c", "mkdir /tmp/made; echo done"])
        defer { container.cleanUp() }
        let socketPath = "\(container.directory)/agent.sock"
        let listener = try TestContainer.makeListener(at: socketPath)
        defer { close(listener) }
        container.spec.linux?.seccomp = notifyingProfile(listener: socketPath,
                                                         calls: ["mkdir", "mkdirat"])
        let id = container.makeID("notify")
        try container.writeSpec()
        let run = try TestContainer.spawn([TestContainer.runcsPath, "--root",
                                           container.stateRoot, "run", "-b", container.bundle,
                                           id])

        try #require(readable(listener), "runcs never connected to the agent")
        let connection = accept(listener, nil, nil)
        try #require(connection >= 0)
        defer { close(connection) }
        try #require(readable(connection))
        var notifyFD: Int32 = -1
        var message = [UInt8](repeating: 0, count: 8192)
        let length = message.withUnsafeMutableBytes {
            cshim_recv_fd(connection, &notifyFD, $0.baseAddress, $0.count)
        }
        try #require(length > 0 && notifyFD >= 0)
        defer { close(notifyFD) }
        let state = try JSONValue.parse(Array(message[..<length]))
        guard case .object(let fields) = state, case .object(let inner)? = fields["state"] else {
            Issue.record("not a container process state: \(state)")
            return
        }
        #expect(fields["fds"] == .array([.string("seccompFd")]))
        #expect(fields["metadata"] == .string("from-the-test"))
        #expect(inner["id"] == .string(id))
        #expect(inner["status"] == .string("creating"))

        // The container's mkdir waits for us; it gets EROFS.
        try #require(readable(notifyFD), "no notification came")
        var request = [UInt8](repeating: 0, count: 80)
        let received = request.withUnsafeMutableBytes {
            ioctl(notifyFD, Self.receiveRequest, $0.baseAddress!)
        }
        try #require(received == 0, "NOTIF_RECV: \(String(cString: strerror(errno)))")
        var response = [UInt8](repeating: 0, count: 24)
        response.replaceSubrange(0..<8, with: request[0..<8])
        withUnsafeBytes(of: -EROFS) { response.replaceSubrange(16..<20, with: $0) }
        let sent = response.withUnsafeMutableBytes {
            ioctl(notifyFD, Self.sendRequest, $0.baseAddress!)
        }
        #expect(sent == 0, "NOTIF_SEND: \(String(cString: strerror(errno)))")

        let result = run.wait()
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output == "done\n")
        #expect(result.error.contains("Read-only file system"), "\(result.error)")
    }

    @Test(.enabled(if: Seccomp.isAvailable))
    func profilesAnAgentCannotServeAreRefusedByName() throws {
        let container = try TestContainer(args: ["true"])
        defer { container.cleanUp() }
        let nobody = "\(container.directory)/nobody-listens.sock"

        container.spec.linux?.seccomp = notifyingProfile(listener: nobody, calls: ["mkdir"])
        let absent = try container.run()
        #expect(absent.status != 0)
        #expect(absent.error.contains("failed to connect with seccomp agent at \(nobody)"))

        container.spec.linux?.seccomp = notifyingProfile(listener: "", calls: ["mkdir"])
        let unnamed = try container.run()
        #expect(unnamed.error.contains("SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath"))

        let socketPath = "\(container.directory)/agent.sock"
        let listener = try TestContainer.makeListener(at: socketPath)
        defer { close(listener) }
        container.spec.linux?.seccomp = notifyingProfile(listener: socketPath, calls: ["write"])
        let write = try container.run()
        #expect(write.status != 0)
        #expect(write.error.contains("SCMP_ACT_NOTIFY cannot be used for the write syscall"))
    }
}
