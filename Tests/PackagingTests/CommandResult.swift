import SystemKit

/// What a command the tests ran printed, and how it ended.
struct CommandResult: CustomStringConvertible {
    let command: [String]
    let status: Int32
    let stdout: String
    let stderr: String

    /// Runs `command` to completion; one still running after `timeout` seconds is killed
    /// (status 137), so a hung service script cannot hang the suite.
    static func run(_ command: [String], input: String = "", timeout: Int = 60) throws
        -> CommandResult
    {
        let bounded = ["timeout", "-s", "KILL", "\(timeout)"] + command
        let result = try Subprocess.run(bounded, input: Array(input.utf8))
        return CommandResult(command: command, status: result.status,
                             stdout: String(decoding: result.output, as: UTF8.self),
                             stderr: String(decoding: result.error, as: UTF8.self))
    }

    var succeeded: Bool { status == 0 }

    var description: String {
        "\(command.joined(separator: " ")) exited \(status)\n"
            + "stdout: \(stdout)\nstderr: \(stderr)"
    }
}

/// A test could not set up what it needs; the message says what failed.
struct SetupFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
