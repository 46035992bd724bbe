#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemKit
import Varlink

/// One connection to contaird, turning every failure into a `CtrsFailure` whose message
/// says what to do: the daemon is not running, the user lacks the group, or the
/// daemon's own `message`.
final class DaemonConnection {
    static let defaultSocketPath = "/run/contaird/contaird.sock"
    static let socketEnvironmentVariable = "CONTAIRD_SOCKET"

    let socketPath: String
    let client: VarlinkClient

    /// Connects to the daemon listening at `socketPath`.
    init(socketPath: String) throws(CtrsFailure) {
        self.socketPath = socketPath
        do {
            client = try VarlinkClient(socketPath: socketPath)
        } catch {
            throw Self.failure(error, socketPath: socketPath)
        }
    }

    /// The socket given by `--socket`, else by `CONTAIRD_SOCKET`, else the default.
    static func socketPath(option: String?) -> String {
        if let option, !option.isEmpty {
            return option
        }
        if let variable = getenv(socketEnvironmentVariable), variable.pointee != 0 {
            return String(cString: variable)
        }
        return defaultSocketPath
    }

    func close() {
        client.close()
    }

    /// Calls `method` (such as `io.contaird.Tasks.Start`) and returns its reply.
    func call(_ method: String, _ parameters: JSONObject = [:]) throws(CtrsFailure)
        -> JSONObject
    {
        do {
            return try client.call(method, parameters)
        } catch {
            throw Self.failure(error, socketPath: socketPath)
        }
    }

    /// Calls `method` with "more" and hands each reply to `body`, until the last one or
    /// until `body` returns false (the connection is then closed).
    func stream(_ method: String, _ parameters: JSONObject = [:],
                _ body: (JSONObject) throws(CtrsFailure) -> Bool) throws(CtrsFailure)
    {
        do {
            var replies = try client.callMore(method, parameters)
            while let reply = try replies.next() {
                guard try body(reply) else {
                    client.close()
                    return
                }
            }
        } catch let failure as CtrsFailure {
            throw failure
        } catch {
            throw Self.failure(error, socketPath: socketPath)
        }
    }

    /// Calls `method` with "upgrade" and returns its reply and the raw connection.
    func upgrade(_ method: String, _ parameters: JSONObject = [:]) throws(CtrsFailure)
        -> (reply: JSONObject, connection: VarlinkUpgradedConnection)
    {
        do {
            return try client.callUpgrade(method, parameters)
        } catch {
            throw Self.failure(error, socketPath: socketPath)
        }
    }

    /// The message and exit status for an error of the varlink layer.
    static func failure(_ error: any Error, socketPath: String) -> CtrsFailure {
        switch error {
        case let failure as CtrsFailure:
            return failure
        case let error as VarlinkError:
            return failure(error)
        case VarlinkConnectionError.system(let systemError):
            return failure(systemError, socketPath: socketPath)
        case VarlinkConnectionError.closed:
            return CtrsFailure("the daemon at \(socketPath) closed the connection")
        case let error as SystemError:
            return failure(error, socketPath: socketPath)
        default:
            return CtrsFailure("\(error)")
        }
    }

    static func failure(_ error: SystemError, socketPath: String) -> CtrsFailure {
        guard error.call == "connect" else {
            return CtrsFailure("talking to the daemon at \(socketPath): \(error)")
        }
        switch error.errno {
        case ENOENT, ECONNREFUSED, ENOTDIR:
            return CtrsFailure(
                "daemon not running at \(socketPath): start it with `contaird` "
                    + "(or rc-service contaird start)")
        case EACCES, EPERM:
            return permissionDenied(socketPath)
        default:
            return CtrsFailure("cannot connect to the daemon at \(socketPath): \(error.reason)")
        }
    }

    static func permissionDenied(_ socketPath: String) -> CtrsFailure {
        CtrsFailure(
            "permission denied on \(socketPath): join the contaird group "
                + "(usermod -aG contaird $USER, then log in again) or run as root")
    }

    /// A varlink error reply: its `message` when it has one; Docker's exit status for a
    /// process that could not start.
    static func failure(_ error: VarlinkError) -> CtrsFailure {
        switch error.name {
        case VarlinkError.permissionDenied.name:
            return CtrsFailure("permission denied: the daemon refused the caller; join the "
                + "contaird group or run as root")
        case "org.varlink.service.InvalidParameter":
            let parameter = error.parameters["parameter"]?.stringValue ?? "?"
            return CtrsFailure("the daemon rejected the parameter '\(parameter)'")
        case "org.varlink.service.MethodNotFound", "org.varlink.service.MethodNotImplemented":
            let method = error.parameters["method"]?.stringValue ?? "?"
            return CtrsFailure("the daemon does not implement \(method); is it older than ctrs?")
        case "org.varlink.service.InterfaceNotFound":
            let interface = error.parameters["interface"]?.stringValue ?? "?"
            return CtrsFailure("the daemon does not serve \(interface); is it older than ctrs?")
        case "io.contaird.Tasks.StartFailed":
            let status = error.parameters["exitStatus"]?.intValue ?? 126
            return CtrsFailure(error.message ?? "the process could not start",
                               exitStatus: Int32(truncatingIfNeeded: status))
        default:
            return CtrsFailure(error.message ?? error.description)
        }
    }
}
