/// The help pages of runcs, laid out as runc's are (NAME, USAGE, OPTIONS sections), since
/// scripts and test suites written for runc read them. The program names itself by the
/// name it was called with, so a runcs installed as `runc` says `runc` everywhere.
enum RuncsHelp {
    /// One verb's page: what it does, what it takes, and its options, one per line.
    struct Page {
        let verb: String
        let summary: String
        let arguments: String
        let options: [String]
    }

    /// The name runcs was called with, without its directory.
    static var programName: String {
        let path = CommandLine.arguments.first ?? "runcs"
        return path.split(separator: "/").last.map(String.init) ?? "runcs"
    }

    static let pages: [Page] = [
        Page(verb: "spec", summary: "write a default config.json in the bundle",
             arguments: "", options: [
                "--bundle DIR, -b DIR  the bundle directory (default: the current one)",
                "--rootless            a spec for a user without privileges",
             ]),
        Page(verb: "create", summary: "create a container; its process waits for start",
             arguments: "ID", options: createOptions),
        Page(verb: "start", summary: "run the process of a created container",
             arguments: "ID", options: []),
        Page(verb: "run", summary: "create and start a container, wait for it, delete it",
             arguments: "ID", options: createOptions + [
                "--detach, -d          return once the container runs",
                "--keep                keep the container's state after it exits",
             ]),
        Page(verb: "state", summary: "print a container's state as JSON",
             arguments: "ID", options: []),
        Page(verb: "list", summary: "list containers", arguments: "", options: [
            "--format FORMAT, -f   table or json",
            "--quiet, -q           only the ids",
        ]),
        Page(verb: "kill", summary: "send a signal to a container's process",
             arguments: "ID [SIGNAL]", options: [
                "--all, -a             every process of the container",
             ]),
        Page(verb: "exec", summary: "run a further process in a running container",
             arguments: "ID COMMAND [ARGS...]", options: [
                "--process FILE, -p    the process as OCI JSON instead of COMMAND",
                "--tty, -t             give the process a terminal",
                "--console-socket S    send the terminal's master to this socket",
                "--detach, -d          return once the process runs",
                "--pid-file FILE       write the process's host PID to FILE",
                "--env K=V, -e K=V     add to the environment (repeatable)",
                "--cwd DIR             the working directory",
                "--user UID[:GID], -u  the user and group",
                "--additional-gids G, -g  a supplementary group (repeatable)",
                "--cap CAP, -c CAP     add a capability (repeatable)",
                "--no-new-privs        set no_new_privs",
                "--preserve-fds N      pass N descriptors after stderr on",
                "--ignore-paused       run even in a paused container",
                "--cgroup [CTRL,...:]PATH  a sub-cgroup of the container's (repeatable)",
                "--apparmor PROFILE    the AppArmor profile, in place of the container's",
                "--process-label L     the SELinux label, in place of the container's",
             ]),
        Page(verb: "ps", summary: "list the processes of a container",
             arguments: "ID [PS OPTIONS]", options: [
                "--format FORMAT, -f   table or json (host PIDs)",
             ]),
        Page(verb: "delete", summary: "delete a container and its resources",
             arguments: "ID", options: [
                "--force, -f           kill a running container first",
             ]),
        Page(verb: "pause", summary: "freeze every process of a container",
             arguments: "ID", options: []),
        Page(verb: "resume", summary: "let the processes of a paused container run again",
             arguments: "ID", options: []),
        Page(verb: "update", summary: "change the resource limits of a container",
             arguments: "ID", options: [
                "--resources FILE, -r  OCI linux.resources JSON (- for stdin)",
                "--memory, --memory-swap, --memory-reservation BYTES",
                "--cpu-share, --cpu-quota, --cpu-period N",
                "--cpuset-cpus, --cpuset-mems LIST",
                "--cpu-rt-period, --cpu-rt-runtime N  real-time scheduling (v1)",
                "--pids-limit N",
             ]),
        Page(verb: "events", summary: "print a container's statistics (and OOM kills)",
             arguments: "ID", options: [
                "--stats               print the statistics once",
                "--interval DURATION   between statistics lines (default 5s)",
             ]),
        Page(verb: "features", summary: "print the OCI features document of runcs",
             arguments: "", options: []),
        Page(verb: "checkpoint", summary: "not supported: runcs has no CRIU support",
             arguments: "ID", options: []),
        Page(verb: "restore", summary: "not supported: runcs has no CRIU support",
             arguments: "ID", options: []),
    ]

    static let createOptions = [
        "--bundle DIR, -b DIR  the bundle directory (default: the current one)",
        "--console-socket S    send the terminal's master to this socket",
        "--pid-file FILE       write the init's host PID to FILE",
        "--no-pivot            move the root with MS_MOVE instead of pivot_root",
        "--no-new-keyring      keep the caller's session keyring",
        "--preserve-fds N      pass N descriptors after stderr on",
    ]

    static let globalOptions = [
        "--root DIR            state directory (default /run/runcs; for other users",
        "                      than root $XDG_RUNTIME_DIR/runcs when that is set)",
        "--rootless MODE       true, false or auto (the default: true for other users",
        "                      than root and inside a user namespace)",
        "--log FILE            also write log lines to FILE",
        "--log-format FORMAT   text or json",
        "--debug               log debug lines",
        "--help, -h            this page; `COMMAND --help` for a command's",
        "--version, -v         the version",
    ]

    /// The page `runcs --help` prints.
    static var overview: String {
        let name = programName
        let width = pages.map(\.verb.count).max() ?? 0
        let commands = pages.map { page in
            "   " + page.verb + String(repeating: " ", count: width - page.verb.count + 2)
                + page.summary
        }
        return (["NAME:", "   \(name) - Open Container Initiative runtime", "",
                 "USAGE:", "   \(name) [global options] command [command options] [arguments...]",
                 "", "VERSION:", "   \(RuncsCommand.version)", "", "COMMANDS:"]
            + commands + ["", "GLOBAL OPTIONS:"] + globalOptions.map { "   " + $0 })
            .joined(separator: "\n") + "\n"
    }

    /// The page of `verb`, or nil when runcs has no such verb.
    static func page(for verb: String) -> String? {
        guard let page = pages.first(where: { $0.verb == verb }) else {
            return nil
        }
        let name = programName
        let arguments = page.arguments.isEmpty ? "" : " " + page.arguments
        var lines = ["NAME:", "   \(name) \(page.verb) - \(page.summary)", "",
                     "USAGE:", "   \(name) \(page.verb) [command options]\(arguments)"]
        if !page.options.isEmpty {
            lines += ["", "OPTIONS:"] + page.options.map { "   " + $0 }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
