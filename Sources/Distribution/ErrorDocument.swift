import JSON

/// The error body of the distribution API:
/// `{"errors": [{"code": "BLOB_UNKNOWN", "message": "...", "detail": ...}]}`.
enum ErrorDocument {
    private struct Document: Decodable {
        var errors: [Entry]?
    }

    private struct Entry: Decodable {
        var code: String?
        var message: String?
    }

    /// `CODE: message` for each error in `body`, or the body's first line when it is not
    /// such a document; empty when there is nothing to say.
    static func message(in body: [UInt8]) -> String {
        if let document = try? JSONValueDecoder().decode(Document.self, fromText: body),
            let errors = document.errors, !errors.isEmpty
        {
            return errors.map { entry in
                [entry.code, entry.message].compactMap { $0 }.joined(separator: ": ")
            }.joined(separator: "; ")
        }
        let text = String(decoding: body.prefix(200), as: UTF8.self)
        return text.split(separator: "\n").first.map { $0.trimmingSpaces } ?? ""
    }
}
