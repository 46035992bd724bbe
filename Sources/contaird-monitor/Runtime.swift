#if canImport(Glibc)
import JSON
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CShim
import MonitorClient
import SystemKit

/// The OCI runtime, driven through runc's command line.
///
/// Each command runs to completion before the monitor goes on (the monitor's loop is
/// single-threaded); runtime commands return in milliseconds. Commands run in the state
/// directory, so the relative names of `MonitorFiles` reach the runtime unchanged.
struct Runtime {
    let binary: String
    let root: String?
    /// Global options before every command, after `--root`.
    let globalArguments: [String]
    let containerID: String

    /// Runs `runtime [--root R] [global arguments] arguments...` with `standardIO` as
    /// descriptors 0, 1, 2.
    ///
    /// When `standardIO` has no error output, the runtime's stderr goes to a scratch file
    /// that is read back on failure; otherwise `errorSource` is read (a non-blocking pipe
    /// that also carries the container's stderr, which holds only the runtime's text when
    /// the command failed). A failure throws the runtime's own message.
    func run(_ arguments: [String], input: FileDescriptor? = nil, output: FileDescriptor? = nil,
             errorOutput: (write: FileDescriptor, read: FileDescriptor)? = nil) throws {
        let null = try ChildProcess.openNull()
        defer { null.close() }
        var scratch: FileDescriptor?
        if errorOutput == nil {
            scratch = try FileDescriptor.open(MonitorFiles.runtimeErrors,
                                              O_RDWR | O_CREAT | O_TRUNC, mode: 0o600)
        }
        defer {
            scratch?.close()
            if scratch != nil {
                unlink(MonitorFiles.runtimeErrors)
            }
        }

        var command = [binary]
        if let root {
            command += ["--root", root]
        }
        command += globalArguments
        command += arguments
        let pid = try ChildProcess.spawn(
            binary, command,
            descriptors: [input ?? null, output ?? null, errorOutput?.write ?? scratch])
        let status = try ChildProcess.wait(pid)
        if status == 0 {
            return
        }

        var text: [UInt8] = []
        if let scratch {
            lseek(scratch.rawValue, 0, SEEK_SET)
            text = (try? scratch.readToEnd()) ?? []
        } else if let errorOutput {
            text = Self.readAvailable(errorOutput.read)
        }
        let record = ExitRecord(pid: pid, waitStatus: status, time: "")
        throw RuntimeFailure(
            command: arguments.first ?? "",
            message: Self.errorMessage(in: String(decoding: text, as: UTF8.self))
                ?? "exited with status \(record.exitCode)")
    }

    /// Whatever a non-blocking descriptor holds right now.
    static func readAvailable(_ fd: FileDescriptor) -> [UInt8] {
        var bytes: [UInt8] = []
        while bytes.count < 65536, let chunk = try? fd.read(upTo: 4096), !chunk.isEmpty {
            bytes += chunk
        }
        return bytes
    }

    /// The message of the last line of a runtime's error output: the `msg` of a JSON log
    /// line or of a logfmt line (`level=error msg="..."`, as runc writes), or the line.
    static func errorMessage(in text: String) -> String? {
        let lines = text.split(separator: "\n").map { $0.trimmingSpaces }.filter { !$0.isEmpty }
        guard let last = lines.last else {
            return nil
        }
        if let json = try? JSONParser.parse(String(last)), let message = json["msg"]?.stringValue {
            return message
        }
        return logfmtMessage(last) ?? String(last)
    }

    /// The value of `msg="..."` in a logfmt line, with its escapes undone.
    static func logfmtMessage(_ line: Substring) -> String? {
        let bytes = Array(line.utf8)
        let key = Array(" msg=\"".utf8)
        var start: Int?
        if bytes.starts(with: key.dropFirst()) {
            start = key.count - 1
        } else if bytes.count > key.count {
            for index in 0...(bytes.count - key.count) where bytes[index..<index + key.count]
                .elementsEqual(key) {
                start = index + key.count
                break
            }
        }
        guard var index = start else {
            return nil
        }
        var message: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                return String(decoding: message, as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\"), index + 1 < bytes.count {
                index += 1
                message.append(bytes[index] == UInt8(ascii: "n") ? 0x0a : bytes[index])
            } else {
                message.append(byte)
            }
            index += 1
        }
        return nil
    }
}

/// A runtime command that failed, with the runtime's own message.
struct RuntimeFailure: Error, CustomStringConvertible {
    let command: String
    let message: String

    var description: String {
        message
    }
}

extension Substring {
    /// The text without leading and trailing spaces, tabs and carriage returns.
    var trimmingSpaces: Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" || first == "\r" {
            text = text.dropFirst()
        }
        while let last = text.last, last == " " || last == "\t" || last == "\r" {
            text = text.dropLast()
        }
        return text
    }
}
