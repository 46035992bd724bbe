/// A value bound to or read from a SQLite statement.
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case text(String)

    /// The text, or nil for any other kind.
    public var text: String? {
        if case .text(let value) = self { return value }
        return nil
    }

    /// The integer, or nil for any other kind.
    public var integer: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }
}
