import Glibc
import SystemKit
import Testing

/// A tmux server of its own (socket in a private directory) with one detached session
/// running one shell command line in a terminal of a known size, read through
/// `capture-pane` and typed into with `send-keys`. The command line's exit status lands
/// in a file. `close()` kills the server.
struct TmuxSession {
    static let tmux = "/usr/bin/tmux"

    let socket: String
    let statusFile: String

    /// Starts `command` (one shell command line) in a server whose socket and status
    /// file are in `directory`.
    init(in directory: String, command: String) throws {
        try #require(access(Self.tmux, X_OK) == 0, "tmux is missing (apt-get install tmux)")
        socket = directory + "/tmux.sock"
        statusFile = directory + "/tmux.status"
        let started = try tmux(["new-session", "-d", "-x", "100", "-y", "30",
                                "\(command); echo $? > \(statusFile)"])
        try #require(started.status == 0, "tmux: \(started.error)")
    }

    func close() {
        _ = try? tmux(["kill-server"])
    }

    @discardableResult
    func tmux(_ arguments: [String]) throws -> CommandResult {
        try TestContainer.execute([Self.tmux, "-S", socket] + arguments)
    }

    /// The pane's text now.
    func screen() throws -> String {
        try tmux(["capture-pane", "-p"]).output
    }

    /// The pane's size as `stty size` prints it: rows, then columns (the session less
    /// tmux's status line).
    func paneSize() throws -> String {
        let size = try tmux(["display-message", "-p", "#{pane_height} #{pane_width}"])
        return size.output.split(separator: "\n").first.map(String.init) ?? "?"
    }

    /// Whether `text` shows on the screen within `tries` polls, 50 ms apart.
    func waitFor(_ text: String, tries: Int = 400) throws -> Bool {
        for _ in 0..<tries {
            if try screen().contains(text) { return true }
            usleep(50_000)
        }
        return false
    }

    /// Types `line` and Enter.
    func type(_ line: String) throws {
        try tmux(["send-keys", line, "Enter"])
    }

    /// Types probe lines until a shell answers one. busybox's line editor asks the
    /// terminal for the cursor position at its first prompt and swallows what is typed
    /// meanwhile, so one probe may be lost.
    func awaitShell() throws -> Bool {
        for attempt in 1000..<1020 {
            try type("echo ready-$((\(attempt) + 0))")
            if try waitFor("ready-\(attempt)", tries: 20) { return true }
        }
        return false
    }

    /// The command line's exit status, once it has finished (nil after 20 s).
    func exitStatus() -> String? {
        for _ in 0..<400 {
            if let status = try? FileSystem.readText(statusFile) {
                return status.split(separator: "\n").first.map(String.init)
            }
            usleep(50_000)
        }
        return nil
    }
}
