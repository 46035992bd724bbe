import Glibc
import SystemKit

/// A uniquely named user, with its own group and home, made with useradd for one test
/// and removed with `userdel -r` by `remove()`: the unprivileged caller of rootless
/// tests. Commands run as it through setpriv, with a fixed small environment.
final class TemporaryUser {
    let name: String
    let uid: UInt32
    let gid: UInt32

    init() throws {
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        name = "runcs-t\(getpid())-\(suffix)"
        _ = try Self.retryingLock(["/usr/sbin/useradd", "--create-home", "--user-group",
                                   "--shell", "/bin/sh", name])
        guard let entry = getpwnam(name) else {
            throw SystemError(call: "getpwnam", path: name, errno: ENOENT)
        }
        uid = entry.pointee.pw_uid
        gid = entry.pointee.pw_gid
    }

    /// Runs `arguments` as this user, with its groups, PATH and `environment` only.
    func execute(_ arguments: [String], environment: [String] = []) throws -> CommandResult {
        try TestContainer.execute(["/usr/bin/setpriv", "--reuid=\(uid)", "--regid=\(gid)",
                                   "--init-groups", "/usr/bin/env", "-i",
                                   "PATH=/usr/sbin:/usr/bin:/sbin:/bin"]
                                  + environment + arguments)
    }

    /// Removes the user, its group and its home.
    func remove() {
        _ = try? Self.retryingLock(["/usr/sbin/userdel", "--remove", name])
    }

    /// Runs a user database command, again while another test's useradd or userdel
    /// holds the lock of /etc/passwd or /etc/group (status 1 or 10, "cannot lock").
    private static func retryingLock(_ arguments: [String]) throws -> CommandResult {
        var result = try TestContainer.execute(arguments)
        for _ in 0..<50 where result.error.contains("cannot lock") {
            usleep(100_000)
            result = try TestContainer.execute(arguments)
        }
        guard result.status == 0 else {
            throw UserCommandFailure(command: arguments, result: result)
        }
        return result
    }
}

/// A useradd or userdel that failed, with what it said.
struct UserCommandFailure: Error, CustomStringConvertible {
    let command: [String]
    let result: CommandResult

    var description: String {
        "\(command.joined(separator: " ")): status \(result.status): \(result.error)"
    }
}
