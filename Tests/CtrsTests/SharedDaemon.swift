import Testing

/// A suite trait: one `PrivateDaemon` for all the tests of a suite, started before the
/// first and stopped (containers, mounts, cgroups, directory and all) after the last.
/// The tests reach it through `PrivateDaemon.current()`; they use unique ids, so they
/// still run in parallel.
struct SharedDaemon: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(
        for test: Test, testCase: Test.Case?,
        performing function: @Sendable () async throws -> Void
    ) async throws {
        let daemon = try PrivateDaemon()
        defer { daemon.stop() }
        try await PrivateDaemon.$shared.withValue(daemon) {
            try await function()
        }
    }
}

extension Trait where Self == SharedDaemon {
    /// Runs the suite against one private daemon of its own.
    static var sharedDaemon: SharedDaemon { SharedDaemon() }
}
