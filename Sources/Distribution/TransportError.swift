import CCurl

/// A failure below HTTP: connecting, TLS, or the connection dropping mid-transfer.
struct TransportError: Error, Sendable, CustomStringConvertible {
    /// libcurl's result code.
    let code: UInt32
    /// libcurl's detailed message, or its generic text for the code.
    let message: String
    let url: String

    /// Failures that may well not happen again: resets, timeouts, truncated bodies.
    var isTransient: Bool {
        switch CURLcode(code) {
        case CURLE_COULDNT_CONNECT, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_PARTIAL_FILE,
            CURLE_OPERATION_TIMEDOUT, CURLE_GOT_NOTHING, CURLE_HTTP2, CURLE_HTTP2_STREAM,
            CURLE_COULDNT_RESOLVE_HOST, CURLE_SSL_CONNECT_ERROR:
            true
        default:
            false
        }
    }

    /// Whether the peer's certificate was not trusted or did not match the host.
    var isCertificateProblem: Bool {
        CURLcode(code) == CURLE_PEER_FAILED_VERIFICATION
    }

    var description: String { message }
}
