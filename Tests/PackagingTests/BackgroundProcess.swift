import Glibc
import SystemKit

/// Starts programs the tests leave running (a daemon, a namespace's holder); the caller
/// kills and reaps them.
enum BackgroundProcess {
    /// Starts `arguments` (the program found in PATH) with stdin from /dev/null and
    /// stdout and stderr appended to `output`.
    static func start(_ arguments: [String], output: String = "/dev/null") throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND,
                                         0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawnp(&pid, arguments[0], &actions, nil, &argv, environ)
        guard result == 0 else {
            throw SystemError(call: "posix_spawnp", path: arguments[0], errno: result)
        }
        return pid
    }
}
