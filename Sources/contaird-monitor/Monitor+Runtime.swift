#if canImport(Glibc)
import JSON
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CShim
import MonitorClient
import SystemKit

extension Monitor {
    /// Has the runtime create the container, and takes hold of its terminal or pipes.
    func createContainer() throws {
        let arguments = ["create", "--bundle", options.bundle,
                         "--pid-file", statePath(MonitorFiles.initPid)]
        try launch(container, standardInput: options.standardInput) { consoleSocket, stdio in
            try runtime.run(arguments + consoleArguments(consoleSocket) + [options.id],
                            input: stdio?.input, output: stdio?.output,
                            errorOutput: stdio?.errorOutput)
        }
        container.pid = try readPid(MonitorFiles.initPid)
        claimEarlyExit(container)
    }

    /// Runs a further process in the container (`runtime exec --detach`) and tracks it;
    /// with `"attach":true` the requesting client stays connected to it.
    func exec(_ request: JSONValue, from client: Client) throws {
        guard let id = request["exec"]?.stringValue, MonitorFiles.isValidIdentifier(id) else {
            throw RequestError(message: "exec needs an id of letters, digits, '_', '-' and '.'")
        }
        guard let processPath = request["process"]?.stringValue, !processPath.isEmpty else {
            throw RequestError(message: "exec \(id) needs a process file")
        }
        guard !execs.contains(where: { $0.execID == id && $0.exit == nil }) else {
            throw RequestError(message: "exec \(id) is already running in container \(options.id)")
        }
        guard container.started, container.exit == nil else {
            throw RequestError(message: "container \(options.id) is not running")
        }
        execs.removeAll { $0.execID == id }
        unlink(MonitorFiles.execExit(id))
        unlink(MonitorFiles.execPid(id))

        let process = SupervisedProcess(execID: id, terminal: request["tty"]?.boolValue ?? false,
                                        started: true)
        let arguments = ["exec", "--process", processPath, "--detach",
                         "--pid-file", statePath(MonitorFiles.execPid(id))]
        let standardInput = request["stdin"]?.boolValue ?? false
        try launch(process, standardInput: standardInput) { consoleSocket, stdio in
            try runtime.run(arguments + consoleArguments(consoleSocket) + [options.id],
                            input: stdio?.input, output: stdio?.output,
                            errorOutput: stdio?.errorOutput)
        }
        process.pid = try readPid(MonitorFiles.execPid(id))
        execs.append(process)
        Logger.shared.info("exec started", ["id": options.id, "exec": id, "pid": process.pid])

        let attach = request["attach"]?.boolValue ?? false
        if attach {
            client.target = process
            client.sendsInput = standardInput
        }
        reply(client, [("pid", .int(Int64(process.pid))), ("tty", .bool(process.terminal))],
              closeAfter: !attach)
        claimEarlyExit(process)
    }

    func consoleArguments(_ socket: String?) -> [String] {
        socket.map { ["--console-socket", $0] } ?? []
    }

    /// The absolute path of a file in the state directory: runtimes change directory
    /// (runc's create goes into the bundle), so relative names would not reach them.
    func statePath(_ name: String) -> String {
        options.stateDirectory + "/" + name
    }

    /// The console socket's address for the runtime: its absolute path, or, when that is
    /// too long for a socket address, the same file through this process's /proc cwd link.
    func consoleSocketAddress() -> String {
        let path = statePath(MonitorFiles.consoleSocket)
        return path.utf8.count <= 100 ? path
            : "/proc/\(monitorPid)/cwd/\(MonitorFiles.consoleSocket)"
    }

    /// The descriptors a runtime command gives the process when it has no terminal.
    struct StandardIO {
        let input: FileDescriptor?
        let output: FileDescriptor
        let errorOutput: (write: FileDescriptor, read: FileDescriptor)
    }

    /// Runs `command`, which starts `process` through the runtime, and keeps the process's
    /// side of its I/O: the terminal's master, received over a console socket, or the
    /// monitor's ends of three pipes.
    func launch(_ process: SupervisedProcess, standardInput: Bool,
                _ command: (String?, StandardIO?) throws -> Void) throws {
        if process.terminal {
            process.master = try receiveTerminal { try command($0, nil) }
            return
        }

        let input = standardInput ? try FileDescriptor.pipe() : nil
        let output = try FileDescriptor.pipe()
        let errorOutput = try FileDescriptor.pipe()
        for fd in [input?.write, output.read, errorOutput.read].compactMap({ $0 }) {
            try setNonBlocking(fd)
        }
        defer {
            // The process holds its ends now; the monitor keeps only its own.
            input?.read.close()
            output.write.close()
            errorOutput.write.close()
        }
        do {
            try command(nil, StandardIO(input: input?.read, output: output.write,
                                        errorOutput: (errorOutput.write, errorOutput.read)))
        } catch {
            input?.write.close()
            output.read.close()
            errorOutput.read.close()
            throw error
        }
        process.input = input?.write
        process.output = output.read
        process.errorOutput = errorOutput.read
    }

    /// Listens on the console socket while `command` runs the runtime, then takes the
    /// terminal master the runtime sent there (SCM_RIGHTS).
    func receiveTerminal(_ command: (String) throws -> Void) throws -> FileDescriptor {
        let listener = try UnixSocket.listen(MonitorFiles.consoleSocket, backlog: 1)
        defer {
            listener.close()
            unlink(MonitorFiles.consoleSocket)
        }
        try command(consoleSocketAddress())

        // The runtime connected and sent the descriptor before it exited successfully.
        try setNonBlocking(listener)
        let connection = try Syscall.check("accept", path: MonitorFiles.consoleSocket) {
            cshim_accept_nonblocking(listener.rawValue)
        }
        defer { _ = close(connection) }
        var master: Int32 = -1
        var message = [UInt8](repeating: 0, count: 256)
        try Syscall.check("recvmsg", path: MonitorFiles.consoleSocket) {
            cshim_recv_fd(connection, &master, &message, message.count)
        }
        guard master >= 0 else {
            throw RequestError(message: "the runtime sent no terminal over "
                               + MonitorFiles.consoleSocket)
        }
        let terminal = FileDescriptor(rawValue: master)
        try setNonBlocking(terminal)
        return terminal
    }

    func readPid(_ file: String) throws -> Int32 {
        let text = try FileSystem.readText(file)
        guard let pid = Int32(Substring(text).trimmingSpaces.filter { $0 != "\n" }), pid > 0 else {
            throw RequestError(message: "the runtime wrote no pid to \(file)")
        }
        return pid
    }

    func setNonBlocking(_ fd: FileDescriptor) throws {
        let flags = try Syscall.check("fcntl F_GETFL") { cshim_fcntl_int(fd.rawValue, F_GETFL, 0) }
        try Syscall.check("fcntl F_SETFL") {
            cshim_fcntl_int(fd.rawValue, F_SETFL, flags | O_NONBLOCK)
        }
    }

    /// Removes the container from the runtime once it has exited (`--rm`).
    func deleteContainer() {
        do {
            try runtime.run(["delete", options.id])
        } catch {
            Logger.shared.error("cannot delete the container", ["id": options.id, "error": error])
        }
    }
}
