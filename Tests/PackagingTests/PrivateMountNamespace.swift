import Glibc
import SystemKit

/// A mount namespace of a test's own, held open by a sleeping `unshare` child: commands
/// run in it through `nsenter`, and what they mount there (a /run of its own, an
/// overlay on /etc) never shows on the host. `stop()` kills every process left in it,
/// which ends the namespace and its mounts; call it in a `defer`.
final class PrivateMountNamespace {
    let holder: pid_t

    init() throws {
        let arguments = ["unshare", "--mount", "--propagation", "private", "sleep", "86400"]
        holder = try BackgroundProcess.start(arguments)

        // nsenter must not run before unshare has made the namespace: wait until the
        // holder's namespace differs from ours.
        let own = Self.namespace(of: getpid())
        let ready = PackagingEnvironment.eventually(10) {
            let theirs = Self.namespace(of: holder)
            return theirs != nil && theirs != own
        }
        guard ready else {
            stop()
            throw SetupFailure("unshare --mount did not make a namespace within 10 s")
        }
    }

    /// Runs `command` inside the namespace and waits for it.
    @discardableResult
    func run(_ command: [String], timeout: Int = 60) throws -> CommandResult {
        try CommandResult.run(["nsenter", "--target", "\(holder)", "--mount", "--"] + command,
                              timeout: timeout)
    }

    /// Runs `command` inside the namespace and throws, with its output, when it fails.
    func mustRun(_ command: [String]) throws {
        let result = try run(command)
        guard result.succeeded else {
            throw SetupFailure("\(result)")
        }
    }

    /// Kills every process in the namespace, the holder last, and reaps the holder.
    func stop() {
        if let namespace = Self.namespace(of: holder) {
            let entries = (try? FileSystem.listDirectory("/proc")) ?? []
            for entry in entries {
                guard let pid = pid_t(entry), pid != holder,
                      Self.namespace(of: pid) == namespace else {
                    continue
                }
                kill(pid, SIGKILL)
            }
        }
        kill(holder, SIGKILL)
        var status: Int32 = 0
        while waitpid(holder, &status, 0) < 0 && errno == EINTR {}
    }

    /// The mount namespace of `pid` (such as "mnt:[4026531841]"), or nil when gone.
    static func namespace(of pid: pid_t) -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        let length = readlink("/proc/\(pid)/ns/mnt", &buffer, buffer.count - 1)
        guard length > 0 else {
            return nil
        }
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) },
                      as: UTF8.self)
    }
}
