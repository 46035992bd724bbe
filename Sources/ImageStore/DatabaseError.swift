/// A failed SQLite call: the statement, SQLite's result code and its message.
public struct DatabaseError: Error, Sendable, CustomStringConvertible {
    /// The SQL being prepared or run, or the operation (such as `open`).
    public let sql: String
    /// SQLite's extended result code.
    public let code: Int32
    /// SQLite's text for the failure.
    public let message: String

    public var description: String {
        "sqlite: \(message) (code \(code)) in \"\(sql)\""
    }
}
