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
    func acceptClient() {
        guard let listener else {
            return
        }
        let fd = cshim_accept_nonblocking(listener.rawValue)
        if fd < 0 {
            return
        }
        clients.append(Client(connection: FileDescriptor(rawValue: fd), connectedAt: Self.now()))
    }

    func serviceClient(_ client: Client, events: Int16) {
        // A client closed earlier in this round is gone, and its number may be reused.
        guard clients.contains(where: { $0 === client }) else {
            return
        }
        if events & Int16(POLLOUT) != 0 {
            flush(client)
        }
        guard clients.contains(where: { $0 === client }) else {
            return
        }
        if events & Int16(POLLIN) != 0 && readsFrom(client) {
            receive(from: client, peerClosed: events & Int16(POLLHUP) != 0)
        } else if events & Int16(POLLHUP | POLLERR) != 0 {
            closeClient(client)
        }
    }

    /// Reads what the client sent: request bytes, or input for its process.
    /// `peerClosed` (POLLHUP) tells a closed connection from one shut down for writing.
    func receive(from client: Client, peerClosed: Bool) {
        let count = buffer.withUnsafeMutableBytes {
            read(client.connection.rawValue, $0.baseAddress, $0.count)
        }
        if count < 0 {
            let code = currentErrno()
            if code != EAGAIN && code != EINTR {
                closeClient(client)
            }
            return
        }
        if count == 0 {
            // Closing the connection detaches; only shutting down its sending side ends
            // the process's stdin, so a daemon that dies does not close it.
            if peerClosed {
                closeClient(client)
            } else {
                endOfInput(from: client)
            }
            return
        }
        let bytes = buffer[0..<count]
        guard client.target == nil else {
            forwardInput(bytes, from: client)
            return
        }

        client.request += bytes
        guard let newline = client.request.firstIndex(of: 0x0a) else {
            if client.request.count > MonitorProtocol.maximumRequestLength {
                reply(client, error: "request longer than "
                      + "\(MonitorProtocol.maximumRequestLength) bytes")
            }
            return
        }
        let line = Array(client.request[..<newline])
        let rest = client.request[(newline + 1)...]
        client.request = []
        handleRequest(line, from: client)
        if client.target != nil && !rest.isEmpty {
            forwardInput(rest, from: client)
        }
    }

    /// Queues an attached client's bytes as its process's input.
    func forwardInput(_ bytes: ArraySlice<UInt8>, from client: Client) {
        guard client.sendsInput, let target = client.target, target.acceptsInput else {
            return
        }
        target.pendingInput += bytes
        writeInput(target, to: target.master ?? target.input)
    }

    /// The client shut down its sending side: without a terminal, the process's stdin
    /// ends with it; a client that never sent its request is done.
    func endOfInput(from client: Client) {
        guard let target = client.target else {
            closeClient(client)
            return
        }
        client.inputEnded = true
        if client.sendsInput && !target.terminal && target.input != nil {
            // Give the process what is already queued, then end its stdin.
            writeInput(target, to: target.input)
            target.closeInput()
        }
    }

    /// Writes as much pending output as the client takes now.
    func flush(_ client: Client) {
        while !client.pending.isEmpty {
            let wrote = client.pending.withUnsafeBytes {
                write(client.connection.rawValue, $0.baseAddress, $0.count)
            }
            if wrote > 0 {
                client.pending.removeFirst(wrote)
                continue
            }
            let code = currentErrno()
            if code == EINTR {
                continue
            }
            if code != EAGAIN {
                closeClient(client)
            }
            return
        }
        if client.closeWhenFlushed {
            closeClient(client)
        }
    }

    func closeClient(_ client: Client) {
        guard let index = clients.firstIndex(where: { $0 === client }) else {
            return
        }
        clients.remove(at: index)
        client.connection.close()
    }

    /// Drops the clients of exited processes that have not read the rest in time and,
    /// once the container has exited, clients that have not sent their request in time,
    /// so that no client can keep the monitor alive.
    func dropLateClients() {
        let now = Self.now()
        for client in clients {
            let late = client.closeWhenFlushed && client.closeDeadline > 0
                && client.closeDeadline < now
            let silent = container.exit != nil && client.target == nil
                && client.awaited == nil && !client.closeWhenFlushed
                && now - client.connectedAt > Self.closeGraceMilliseconds
            if late || silent {
                closeClient(client)
            }
        }
    }

    /// Queues a reply line; `closeAfter` ends the connection once it is written.
    func reply(_ client: Client, _ members: [(String, JSONValue)] = [], closeAfter: Bool = true) {
        let answer = JSONValue.object(JSONObject([("ok", .bool(true))] + members))
        client.pending += Array((answer.jsonText + "\n").utf8)
        client.closeWhenFlushed = closeAfter
        client.closeDeadline = closeAfter ? Self.now() + Self.closeGraceMilliseconds : 0
        flush(client)
    }

    func reply(_ client: Client, error message: String) {
        client.pending += Array((JSONValue.object(["ok": .bool(false),
                                                   "error": .string(message)]).jsonText
                                 + "\n").utf8)
        client.closeWhenFlushed = true
        client.closeDeadline = Self.now() + Self.closeGraceMilliseconds
        flush(client)
    }
}
