/// One HTTP request as the registry client sends it.
struct HTTPRequest {
    enum Method: String {
        case get = "GET"
        case head = "HEAD"
    }

    var method: Method
    var url: String
    /// Extra header lines, `Name: value`.
    var headers: [(name: String, value: String)] = []
    /// Ask for the bytes from this offset on (`Range: bytes=N-`).
    var rangeStart: Int64?
    /// Follow 3xx redirects (blob downloads are redirected to storage back ends).
    var followRedirects = false
    /// TLS trust and client identity for the request's host.
    var tls = TLSSettings()

    init(_ method: Method, _ url: String) {
        self.method = method
        self.url = url
    }
}

/// The status line and headers of a response whose body is still arriving.
struct ResponseHead {
    var status: Int
    var headers: [String: [String]]

    func header(_ name: String) -> String? {
        headers[name.lowercased()]?.first
    }
}

/// The final response of an exchange (after any redirects).
struct HTTPResponse {
    var status: Int
    /// Header values by lowercased name, in the order received.
    var headers: [String: [String]]
    /// The body, when the request buffered it instead of streaming it.
    var body: [UInt8]
    /// The URL that answered, after redirects.
    var effectiveURL: String

    /// The first value of the header `name` (any case).
    func header(_ name: String) -> String? {
        headers[name.lowercased()]?.first
    }

    /// The media type of `Content-Type` without parameters.
    var contentType: String? {
        guard let value = header("content-type") else { return nil }
        let type = value.split(separator: ";", maxSplits: 1).first ?? ""
        let trimmed = type.trimmingSpaces
        return trimmed.isEmpty ? nil : trimmed
    }
}

extension StringProtocol {
    /// The text without leading and trailing white space and line ends (`\r\n` is one
    /// Character in Swift, and counts as white space).
    var trimmingSpaces: String {
        guard let first = firstIndex(where: { !$0.isWhitespace }),
            let last = lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(self[first...last])
    }
}
