/// The scheme and `host[:port]` of an absolute http or https URL.
struct URLParts: Equatable {
    var scheme: String
    var host: String

    init?(_ url: String) {
        guard let separator = url.firstRange(of: "://") else { return nil }
        scheme = String(url[..<separator.lowerBound]).lowercased()
        let rest = url[separator.upperBound...]
        let end = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        host = String(rest[..<end])
        guard scheme == "http" || scheme == "https", !host.isEmpty else { return nil }
    }
}
