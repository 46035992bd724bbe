#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemKit
import Varlink

/// The client side of a process whose input and output ctrs carries (`run`,
/// `task exec`, `task attach`, `task start -a`): the terminal in raw mode, window size
/// changes sent as Tasks.Resize, signals forwarded, the relay, and the exit status
/// from Tasks.Wait.
///
/// Everything runs on the calling thread. The terminal's settings come back however
/// the session ends: when the process exits, on an error (a `defer`), and on SIGTERM
/// or SIGHUP, which end the session with 128 + the signal's number.
final class AttachedSession {
    let id: String
    let execId: String?
    let tty: Bool
    let forwardInput: Bool
    /// The connection for Resize, Kill and Wait (the upgraded one carries only bytes).
    let control: DaemonConnection
    /// The signal that ended the session before the process did (it runs on).
    private(set) var endedBySignal: Int32?
    private var terminal: Terminal?
    private var signals: SignalPipe?

    init(id: String, execId: String?, tty: Bool, forwardInput: Bool,
         control: DaemonConnection)
    {
        self.id = id
        self.execId = execId
        self.tty = tty
        self.forwardInput = forwardInput
        self.control = control
    }

    /// The size of ctrs's terminal, when it has one.
    static func terminalSize() -> JSONValue? {
        let size = Terminal.size(of: .standardInput) ?? Terminal.size(of: .standardOutput)
        guard let size, size.rows > 0, size.columns > 0 else {
            return nil
        }
        return ["rows": .int(Int64(size.rows)), "columns": .int(Int64(size.columns))]
    }

    /// Puts the terminal in raw mode (with a tty) and starts catching signals; call
    /// before the upgrade, so that nothing typed early is cooked.
    func prepare() throws(CtrsFailure) {
        do {
            if tty {
                terminal = try Terminal.makeRaw(.standardInput)
            }
            signals = try SignalPipe([SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGQUIT])
        } catch {
            finish()
            throw CtrsFailure("preparing the terminal: \(error)")
        }
    }

    /// Gives the terminal its settings back and the signals their default handling.
    func finish() {
        terminal?.restore()
        terminal = nil
        signals?.close()
        signals = nil
    }

    /// Relays `connection` until the process's output ends, then waits for the process
    /// and returns its exit status.
    func relayAndWait(_ connection: VarlinkUpgradedConnection) throws(CtrsFailure) -> Int32 {
        defer { finish() }
        let (descriptor, pending) = connection.detach()
        defer { descriptor.close() }
        var relay = ProcessStreamRelay(
            connection: descriptor, pending: pending, tty: tty, forwardInput: forwardInput,
            signals: signals, onSignal: { [unowned self] signal in handle(signal) })
        switch try relay.run() {
        case .stoppedBySignal(let signal):
            endedBySignal = signal
            return 128 + signal
        case .outputEnded:
            break
        }
        finish()
        var parameters: JSONObject = ["id": .string(id)]
        if let execId {
            parameters["execId"] = .string(execId)
        }
        let reply = try control.call("io.contaird.Tasks.Wait", parameters)
        return Int32(truncatingIfNeeded: reply["exitStatus"]?.intValue ?? 0)
    }

    /// What a signal does: SIGWINCH resizes; SIGTERM and SIGHUP end a terminal session
    /// (the terminal is going away) and are forwarded without one, as SIGINT and
    /// SIGQUIT always are.
    private func handle(_ signal: Int32) -> Bool {
        switch signal {
        case SIGWINCH:
            if tty, let size = Self.terminalSize() {
                var parameters: JSONObject = ["id": .string(id), "size": size]
                if let execId {
                    parameters["execId"] = .string(execId)
                }
                _ = try? control.call("io.contaird.Tasks.Resize", parameters)
            }
            return true
        case SIGTERM where tty, SIGHUP where tty:
            return false
        default:
            forward(signal)
            return true
        }
    }

    private func forward(_ signal: Int32) {
        var parameters: JSONObject = ["id": .string(id), "signal": .string("\(signal)")]
        if let execId {
            parameters["execId"] = .string(execId)
        }
        _ = try? control.call("io.contaird.Tasks.Kill", parameters)
    }
}
