import Glibc
import SystemKit
import Testing

/// The socket's permissions with real users: a daemon started with `--group G` makes its
/// socket root:G mode 0660, so a member of G runs `ctrs info` without sudo and any other
/// user is refused with a message saying what to do. The group and the two users are
/// made for the test (unique names) and removed after it, even when it fails.
@Suite("socket permissions")
struct SocketPermissionTests {
    static let reasonToSkip: String? = {
        guard PackagingEnvironment.isRoot else {
            return "needs root to add users and groups"
        }
        for program in ["groupadd", "useradd", "userdel", "groupdel", "setpriv"]
            where !PackagingEnvironment.hasProgram(program) {
            return "\(program) is missing (passwd and util-linux)"
        }
        return PackagingEnvironment.missingBinaries(["contaird", "ctrs", "runcs",
                                                     "contaird-monitor"])
    }()

    @Test("a group member runs ctrs info; another user is told to join the group",
          .enabled(if: reasonToSkip == nil, "\(reasonToSkip ?? "")"))
    func memberAndOutsider() throws {
        let suffix = PackagingEnvironment.uniqueSuffix()
        let group = "ctg-" + suffix
        let member = "ctm-" + suffix
        let outsider = "cto-" + suffix
        let directory = try PackagingEnvironment.temporaryDirectory("pkg-sock")
        let cgroupParent = "/pkg-sock-" + suffix
        var daemon: pid_t = 0
        defer {
            if daemon > 0 {
                kill(daemon, SIGTERM)
                var status: Int32 = 0
                while waitpid(daemon, &status, 0) < 0 && errno == EINTR {}
            }
            _ = try? CommandResult.run(["userdel", member])
            _ = try? CommandResult.run(["userdel", outsider])
            _ = try? CommandResult.run(["groupdel", group])
            PackagingEnvironment.removeCgroups(cgroupParent)
            try? FileSystem.removeTree(directory)
        }

        let madeGroup = try CommandResult.run(["groupadd", group])
        try #require(madeGroup.succeeded, "\(madeGroup)")
        for (user, groups) in [(member, ["-G", group]), (outsider, [])] {
            let made = try CommandResult.run(["useradd", "--no-create-home", "--no-user-group",
                                              "--gid", "nogroup", "--shell", "/bin/sh"]
                                             + groups + [user])
            try #require(made.succeeded, "\(made)")
        }

        // The users must reach the socket's directory and the ctrs they run.
        chmod(directory, 0o755)
        let ctrs = directory + "/ctrs"
        let copied = try CommandResult.run(["install", "-m", "0755",
                                            PackagingEnvironment.product("ctrs"), ctrs])
        try #require(copied.succeeded, "\(copied)")

        let socket = directory + "/s.sock"
        daemon = try BackgroundProcess.start([
            PackagingEnvironment.product("contaird"), "--socket", socket,
            "--root", directory + "/root", "--state", directory + "/state",
            "--group", group, "--cgroup-parent", cgroupParent,
        ], output: directory + "/daemon.log")
        let ready = PackagingEnvironment.eventually(10) { FileSystem.exists(socket) }
        let log = { (try? FileSystem.readText(directory + "/daemon.log")) ?? "" }
        try #require(ready, "contaird made no socket within 10 s: \(log())")

        // root:G, mode 0660.
        var status = stat()
        try #require(stat(socket, &status) == 0)
        #expect(status.st_mode & 0o777 == 0o660)
        let groupEntry = try CommandResult.run(["getent", "group", group])
        let gid = groupEntry.stdout.split(separator: ":").dropFirst(2).first.flatMap {
            gid_t($0)
        }
        #expect(status.st_gid == gid, "socket gid \(status.st_gid), group \(groupEntry)")

        let asMember = try runAs(member, [ctrs, "--socket", socket, "info"])
        #expect(asMember.succeeded, "\(asMember)")
        #expect(asMember.stdout.contains("Server Version:"), "\(asMember)")

        let asOutsider = try runAs(outsider, [ctrs, "--socket", socket, "info"])
        #expect(asOutsider.status == 125, "\(asOutsider)")
        #expect(asOutsider.stderr.contains("permission denied on \(socket)"), "\(asOutsider)")
        #expect(asOutsider.stderr.contains("join the"), "\(asOutsider)")
        #expect(asOutsider.stdout.isEmpty)
    }

    /// Runs `command` as `user` with the groups of that user's entry, as a login would.
    func runAs(_ user: String, _ command: [String]) throws -> CommandResult {
        try CommandResult.run(["setpriv", "--reuid", user, "--regid", "nogroup",
                               "--init-groups", "--reset-env"] + command)
    }
}
