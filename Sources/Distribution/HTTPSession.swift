import CCurl
import ImageSpec

/// One libcurl easy handle, used by one thread at a time for a series of requests: the
/// handle keeps its connections open between requests, so a pull's many small requests
/// to the same registry share one TCP and TLS connection.
///
/// Not thread-safe by design: each worker thread of a pull creates its own session.
final class HTTPSession {
    /// Seconds to wait for a connection, and the longest a transfer may receive nothing.
    let timeoutSeconds: Int
    let userAgent: String
    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>

    /// Buffered bodies (manifests, error documents, tokens) larger than this are refused.
    static let bufferLimit = 8 << 20

    /// Fails when libcurl, loaded at its first use (Sources/CLazyLibraries), cannot be.
    init(timeoutSeconds: Int, userAgent: String) throws(TransportError) {
        if let failure = LazyLibrary.curl.loadFailure() {
            throw TransportError(code: CURLE_FAILED_INIT.rawValue, message: failure, url: "")
        }
        HTTPSession.initializeLibrary
        guard let handle = curl_easy_init() else {
            preconditionFailure("curl_easy_init failed: out of memory")
        }
        self.handle = handle
        self.timeoutSeconds = timeoutSeconds
        self.userAgent = userAgent
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// libcurl's global set-up, done once before the first handle.
    private static let initializeLibrary: Void = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }()

    /// The CA bundle libcurl uses when told nothing else (Debian:
    /// /etc/ssl/certs/ca-certificates.crt), or nil when it was built without one.
    static let systemCABundlePath: String? = {
        guard LazyLibrary.curl.loadFailure() == nil else { return nil }
        initializeLibrary
        guard let handle = curl_easy_init() else { return nil }
        defer { curl_easy_cleanup(handle) }
        var path: UnsafeMutablePointer<CChar>?
        guard ccurl_getinfo_string(handle, CURLINFO_CAINFO, &path) == CURLE_OK,
            let path
        else { return nil }
        return String(cString: path)
    }()

    /// Receives a successful response's body piece by piece, with the response's status
    /// and headers (the same for every piece).
    typealias BodyConsumer = (_ head: ResponseHead, _ bytes: UnsafeRawBufferPointer) throws
        -> Void

    /// Performs `request`. A successful (2xx) response's body goes to `consumer` when one
    /// is given, else into `HTTPResponse.body`; other responses' bodies are always
    /// buffered, so error documents can be read. An error thrown by `consumer` stops the
    /// transfer and is rethrown as is.
    func perform(_ request: HTTPRequest, consumer: BodyConsumer? = nil) throws -> HTTPResponse {
        let transfer = Transfer(handle: handle, url: request.url, consumer: consumer,
                                stallLimit: .seconds(timeoutSeconds))
        let context = Unmanaged.passUnretained(transfer).toOpaque()
        curl_easy_reset(handle)
        errorBuffer[0] = 0
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }

        ccurl_setopt_string(handle, CURLOPT_URL, request.url)
        ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        ccurl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
        ccurl_setopt_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        ccurl_setopt_string(handle, CURLOPT_USERAGENT, userAgent)
        ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
        // Larger pieces than the 16 KiB default: fewer calls into hashing and the sink.
        ccurl_setopt_long(handle, CURLOPT_BUFFERSIZE, 256 << 10)

        // A transfer that receives nothing for the timeout is abandoned (see
        // `Transfer.stalled`), but a large blob on a slow link may take as long as it
        // needs. libcurl's own low-speed limit averages over several seconds, so a
        // burst followed by silence would go unnoticed for longer than asked.
        ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, timeoutSeconds)
        ccurl_setopt_long(handle, CURLOPT_NOPROGRESS, 0)
        ccurl_setopt_xferinfo_callback(handle, stallCallback)
        ccurl_setopt_pointer(handle, CURLOPT_XFERINFODATA, context)

        if request.method == .head {
            ccurl_setopt_long(handle, CURLOPT_NOBODY, 1)
        }
        if request.followRedirects {
            ccurl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 1)
            ccurl_setopt_long(handle, CURLOPT_MAXREDIRS, 10)
        }
        if let start = request.rangeStart, start > 0 {
            ccurl_setopt_string(handle, CURLOPT_RANGE, "\(start)-")
        }
        for (name, value) in request.headers {
            headerList = curl_slist_append(headerList, "\(name): \(value)")
        }
        if headerList != nil {
            ccurl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList)
        }
        applyTLS(request.tls)

        ccurl_setopt_write_callback(handle, CURLOPT_HEADERFUNCTION, headerCallback)
        ccurl_setopt_pointer(handle, CURLOPT_HEADERDATA, context)
        ccurl_setopt_write_callback(handle, CURLOPT_WRITEFUNCTION, bodyCallback)
        ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, context)

        let code = withExtendedLifetime(transfer) { curl_easy_perform(handle) }
        if let failure = transfer.failure {
            throw failure
        }
        if code != CURLE_OK {
            let detail = String(cString: errorBuffer)
            let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            throw TransportError(code: code.rawValue, message: message.trimmingSpaces,
                                 url: request.url)
        }

        var status = 0
        ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var effective: UnsafeMutablePointer<CChar>?
        ccurl_getinfo_string(handle, CURLINFO_EFFECTIVE_URL, &effective)
        return HTTPResponse(status: status, headers: transfer.headers, body: transfer.buffer,
                            effectiveURL: effective.map { String(cString: $0) } ?? request.url)
    }

    private func applyTLS(_ tls: TLSSettings) {
        if let bundle = tls.caBundle {
            var copy = bundle
            copy.withUnsafeMutableBytes { bytes in
                _ = ccurl_setopt_blob(handle, CURLOPT_CAINFO_BLOB, bytes.baseAddress,
                                      bytes.count)
            }
        }
        if let certificate = tls.clientCertificate, let key = tls.clientKey {
            ccurl_setopt_string(handle, CURLOPT_SSLCERT, certificate)
            ccurl_setopt_string(handle, CURLOPT_SSLKEY, key)
        }
    }
}

/// The state of one transfer, reached from libcurl's callbacks through a raw pointer.
private final class Transfer {
    let handle: UnsafeMutableRawPointer
    let url: String
    let consumer: HTTPSession.BodyConsumer?
    var headers: [String: [String]] = [:]
    var buffer: [UInt8] = []
    var failure: (any Error)?
    /// The status and headers, once the body starts, when it goes to the consumer.
    var streamingHead: ResponseHead?
    var bodyStarted = false
    /// How long the transfer may go without receiving a byte once connected.
    let stallLimit: Duration
    var lastActivity = ContinuousClock.now
    var lastReceived: Int64 = -1

    init(handle: UnsafeMutableRawPointer, url: String, consumer: HTTPSession.BodyConsumer?,
         stallLimit: Duration) {
        self.handle = handle
        self.url = url
        self.stallLimit = stallLimit
        self.consumer = consumer
    }

    /// Takes one header line; a status line starts a new response (after a redirect or
    /// a 100 Continue), so the headers collected so far are dropped.
    func header(_ line: String) {
        if line.hasPrefix("HTTP/") {
            headers = [:]
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].trimmingSpaces.lowercased()
        let value = line[line.index(after: colon)...].trimmingSpaces
        headers[name, default: []].append(value)
    }

    /// Takes a piece of the body; returns false to stop the transfer.
    func body(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if !bodyStarted {
            bodyStarted = true
            var status = 0
            ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
            if consumer != nil && (200..<300).contains(status) {
                streamingHead = ResponseHead(status: status, headers: headers)
            }
        }
        if let head = streamingHead, let consumer {
            do {
                try consumer(head, bytes)
            } catch {
                failure = error
                return false
            }
            return true
        }
        guard buffer.count + bytes.count <= HTTPSession.bufferLimit else {
            failure = TransportError(code: CURLE_FILESIZE_EXCEEDED.rawValue,
                                     message: "response body larger than "
                                        + "\(HTTPSession.bufferLimit) bytes", url: url)
            return false
        }
        buffer.append(contentsOf: bytes)
        return true
    }
}

extension Transfer {
    /// Whether nothing arrived for `stallLimit`; records the failure when so.
    func stalled(received: Int64) -> Bool {
        let now = ContinuousClock.now
        if received != lastReceived {
            lastReceived = received
            lastActivity = now
            return false
        }
        guard now - lastActivity >= stallLimit else { return false }
        failure = TransportError(code: CURLE_OPERATION_TIMEDOUT.rawValue,
                                 message: "no data received for \(stallLimit)", url: url)
        return true
    }
}

private let stallCallback: curl_xferinfo_callback = { context, _, received, _, _ in
    guard let context else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    return transfer.stalled(received: Int64(received)) ? 1 : 0
}

private let headerCallback: curl_write_callback = { data, size, count, context in
    let length = size * count
    guard let data, let context else { return length }
    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    let bytes = UnsafeRawBufferPointer(start: data, count: length)
    transfer.header(String(decoding: bytes, as: UTF8.self))
    return length
}

private let bodyCallback: curl_write_callback = { data, size, count, context in
    let length = size * count
    guard let data, let context else { return length }
    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    let ok = transfer.body(UnsafeRawBufferPointer(start: data, count: length))
    return ok ? length : 0
}
