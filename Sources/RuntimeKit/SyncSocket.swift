#if canImport(Glibc)
import Glibc
#endif
import CShim
import SystemKit

/// The parent–init handshake, one message per SOCK_SEQPACKET datagram.
///
/// ```
/// runcs create (parent)              clone child (C)             runcs init (Swift)
///   socketpair, clone ───────────────▶ [new user namespace]
///        ◀──────────────────────────── .userNamespace
///   write uid_map, gid_map
///   .idMapsWritten ──────────────────▶ setns, [unshare], [fork]
///        ◀──────────────────────────── [.initPID(pid)]
///                                      bind exe ro, exec ────────▶ start
///   .plan(json) ────────────────────────────────────────────────▶ read plan
///   fd: state dir, [console socket] ────────────────────────────▶ read descriptors
///        ◀──────────────────────────────────────────────────────── [.bindSourcesWanted]
///   [setns its mount ns, open the bind
///    sources, setns back; fd: each] ────────────────────────────▶ mounts, pivot_root, ...
///   cgroup create, add pid
///   .joined ────────────────────────────────────────────────────▶ (awaited before ready,
///                                                                  or first with cgroupns)
///        ◀──────────────────────────────────────────────────────── .runHooks (with prestart
///   run prestart, createRuntime hooks                                or createRuntime hooks,
///   .hooksDone ─────────────────────────────────────────────────▶   before pivot_root)
///        ◀──────────────────────────────────────────────────────── .warning(text)*
///        ◀──────────────────────────────────────────────────────── .ready | .failed(text)
///   write state.json, exit                                          open exec.fifo, wait
/// runcs start: open exec.fifo ◀─── one byte ────────────────────── execve(process.args)
/// ```
/// Between the fifo's open and the byte the init runs its startContainer hooks; when one
/// fails it writes "1" and the error instead of "0", and exits.
/// A child that fails before its exec writes `child-error <step> <errno>` instead. The
/// bracketed steps happen only with a user namespace (`InitLauncher+UserNamespace`).
enum SyncMessage: Equatable {
    case plan([UInt8])
    case joined
    /// The clone child is in its new user namespace and waits for its id maps.
    case userNamespace
    /// The parent has written the child's id maps: it goes on.
    case idMapsWritten
    /// The pid of the init, which the clone child forked into a new pid namespace.
    case initPID(Int32)
    case warning(String)
    case ready
    /// A failure, with the kind of error the init met, so `code` reaches the user.
    case failed(RuntimeError)
    /// The init stopped before pivot_root: the parent runs its create-time hooks now.
    case runHooks
    case hooksDone
    /// The init in a user namespace is running in its final mount namespace and waits
    /// for the bind sources its plan lists (`BindSources`).
    case bindSourcesWanted

    var encoded: [UInt8] {
        switch self {
        case .plan(let json): Array("plan ".utf8) + json
        case .warning(let text): Array("warning \(text)".utf8)
        case .joined: Array("joined".utf8)
        case .userNamespace: Array("userns".utf8)
        case .idMapsWritten: Array("mapped".utf8)
        case .initPID(let pid): Array("init-pid \(pid)".utf8)
        case .ready: Array("ready".utf8)
        case .failed(let error): Array("error \(error.code.rawValue) \(error.message)".utf8)
        case .runHooks: Array("hooks".utf8)
        case .hooksDone: Array("hooks-done".utf8)
        case .bindSourcesWanted: Array("bind-sources".utf8)
        }
    }

    init(decoding bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        if bytes.starts(with: Array("plan ".utf8)) {
            self = .plan(Array(bytes.dropFirst(5)))
        } else if text.hasPrefix("warning ") {
            self = .warning(String(text.dropFirst(8)))
        } else if text == "joined" {
            self = .joined
        } else if text == "userns" {
            self = .userNamespace
        } else if text == "mapped" {
            self = .idMapsWritten
        } else if text.hasPrefix("init-pid "), let pid = Int32(text.dropFirst(9)) {
            self = .initPID(pid)
        } else if text == "ready" {
            self = .ready
        } else if text == "hooks" {
            self = .runHooks
        } else if text == "hooks-done" {
            self = .hooksDone
        } else if text == "bind-sources" {
            self = .bindSourcesWanted
        } else if text.hasPrefix("error ") {
            self = .failed(Self.decodeError(text.dropFirst(6)))
        } else if text.hasPrefix("child-error ") {
            self = .failed(RuntimeError(.internal, Self.describeChildError(text)))
        } else {
            self = .failed(RuntimeError(.internal, "unexpected message from init: \(text)"))
        }
    }

    /// "notFound exec ..." → that error; text without a known code is an internal error.
    static func decodeError(_ text: Substring) -> RuntimeError {
        let word = text.prefix { $0 != " " }
        guard let code = RuntimeError.Code(rawValue: String(word)) else {
            return RuntimeError(.internal, String(text))
        }
        return RuntimeError(code, String(text.dropFirst(word.count + 1)))
    }

    /// "child-error setns 1" → "setns: Operation not permitted".
    static func describeChildError(_ text: String) -> String {
        let parts = text.split(separator: " ")
        guard parts.count == 3, let code = Int32(parts[2]) else {
            return text
        }
        return "\(parts[1]): \(String(cString: strerror(code)))"
    }
}

/// One end of the sync socketpair.
struct SyncSocket {
    let fd: Int32

    /// A connected SOCK_SEQPACKET pair, both ends close-on-exec.
    static func pair() throws(SystemError) -> (parent: SyncSocket, child: SyncSocket) {
        var fds: [Int32] = [-1, -1]
        try Syscall.check("socketpair") {
            socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
                       0, &fds)
        }
        return (SyncSocket(fd: fds[0]), SyncSocket(fd: fds[1]))
    }

    func send(_ message: SyncMessage) throws(SystemError) {
        let bytes = message.encoded
        try Syscall.check("send") {
            bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            }
        }
    }

    /// Passes the descriptor `passed` with SCM_RIGHTS.
    func send(descriptor passed: Int32) throws(SystemError) {
        let tag: [UInt8] = [0x66]
        try Syscall.check("sendmsg") {
            tag.withUnsafeBytes { cshim_send_fd(fd, passed, $0.baseAddress, 1) }
        }
    }

    /// The next message; nil at end of file (the peer closed or died).
    func receive() throws(SystemError) -> SyncMessage? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        var resets = 0
        var got = -1
        while got < 0 {
            got = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            // A peer that exits without reading what we sent resets the socket; the
            // error is reported (once per failed send of ours, at most a few times),
            // and what the peer wrote before is still queued behind it.
            let retry = errno == EINTR || (errno == ECONNRESET && resets < 4)
            if got < 0 && !retry {
                throw SystemError(call: "recv", path: "sync socket", errno: errno)
            }
            resets += got < 0 && errno == ECONNRESET ? 1 : 0
        }
        if got == 0 {
            return nil
        }
        return SyncMessage(decoding: Array(buffer[..<got]))
    }

    /// The next passed descriptor.
    func receiveDescriptor() throws(SystemError) -> Int32 {
        var passed: Int32 = -1
        var tag: [UInt8] = [0]
        let got = try Syscall.check("recvmsg") {
            tag.withUnsafeMutableBytes { cshim_recv_fd(fd, &passed, $0.baseAddress, 1) }
        }
        guard got == 1, passed >= 0 else {
            throw SystemError(call: "recvmsg", path: "sync socket", errno: EBADMSG)
        }
        return passed
    }

    func close() {
        _ = Glibc.close(fd)
    }
}
