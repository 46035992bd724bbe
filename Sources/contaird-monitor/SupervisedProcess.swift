import MonitorClient
import SystemKit

/// A process the monitor supervises: the container's init or an exec'd process, with the
/// descriptors of its terminal or pipes and how it ended.
final class SupervisedProcess {
    /// Nil for the container's init, the exec id otherwise.
    let execID: String?
    let terminal: Bool
    var pid: Int32 = 0
    /// Whether `runtime start` has run (always true for an exec'd process).
    var started: Bool
    /// The terminal's master side: output and input at once.
    var master: FileDescriptor?
    /// Without a terminal: the read ends of stdout and stderr, the write end of stdin.
    var output: FileDescriptor?
    var errorOutput: FileDescriptor?
    var input: FileDescriptor?
    /// Input from clients not yet taken by the process.
    var pendingInput: [UInt8] = []
    var exit: ExitRecord?
    /// The log of the container's output; only the init has one.
    var log: LogWriter?

    init(execID: String?, terminal: Bool, started: Bool) {
        self.execID = execID
        self.terminal = terminal
        self.started = started
    }

    /// "container ID" or "exec EXEC in container ID", for messages.
    func name(container id: String) -> String {
        execID.map { "exec \($0) in container \(id)" } ?? "container \(id)"
    }

    /// Where the exit record goes, relative to the state directory.
    var exitFile: String {
        execID.map(MonitorFiles.execExit) ?? MonitorFiles.exit
    }

    /// Whether any output descriptor is still open.
    var hasOutput: Bool {
        master != nil || output != nil || errorOutput != nil
    }

    /// Whether clients can still send input to it.
    var acceptsInput: Bool {
        exit == nil && (master != nil || input != nil)
    }

    func closeInput() {
        input?.close()
        input = nil
        pendingInput = []
    }

    func closeAll() {
        closeInput()
        master?.close()
        master = nil
        output?.close()
        output = nil
        errorOutput?.close()
        errorOutput = nil
    }
}
