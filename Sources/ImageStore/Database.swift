import CSQLite

/// One SQLite connection, in WAL mode with a busy timeout, with prepared statements
/// cached by their text.
///
/// Not thread-safe: one owner uses it at a time (the image service serializes its calls
/// under its own lock). Other services open their own connection to the same file;
/// SQLite's locking and the busy timeout arbitrate between connections.
public final class Database {
    private let handle: OpaquePointer
    private var statements: [String: OpaquePointer] = [:]
    private var transactionDepth = 0
    /// The database file.
    public let path: String

    /// Opens (creating when needed) the database at `path`.
    public init(path: String, busyTimeoutMilliseconds: Int32 = 5000) throws(DatabaseError) {
        self.path = path
        var opened: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &opened, flags, nil)
        guard code == SQLITE_OK, let opened else {
            let message = opened.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(opened)
            throw DatabaseError(sql: "open \(path)", code: code, message: message)
        }
        handle = opened
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
        try execute("PRAGMA journal_mode=WAL")
        try execute("PRAGMA foreign_keys=ON")
        try execute("PRAGMA synchronous=NORMAL")
    }

    deinit {
        for statement in statements.values {
            sqlite3_finalize(statement)
        }
        sqlite3_close_v2(handle)
    }

    /// Runs `sql` with `bindings` (`?` placeholders, in order) and returns every row.
    @discardableResult
    public func query(_ sql: String, _ bindings: [SQLValue] = []) throws(DatabaseError)
        -> [[SQLValue]]
    {
        let statement = try prepare(sql)
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        for (index, value) in bindings.enumerated() {
            let position = Int32(index + 1)
            let code: Int32 = switch value {
            case .null: sqlite3_bind_null(statement, position)
            case .integer(let number): sqlite3_bind_int64(statement, position, number)
            case .text(let text):
                sqlite3_bind_text(statement, position, text, -1, sqliteTransient)
            }
            guard code == SQLITE_OK else { throw error(sql, code) }
        }

        var rows: [[SQLValue]] = []
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { return rows }
            guard code == SQLITE_ROW else { throw error(sql, code) }
            var row: [SQLValue] = []
            for column in 0..<sqlite3_column_count(statement) {
                switch sqlite3_column_type(statement, column) {
                case SQLITE_NULL: row.append(.null)
                case SQLITE_INTEGER: row.append(.integer(sqlite3_column_int64(statement, column)))
                default:
                    let text = sqlite3_column_text(statement, column)
                    row.append(.text(text.map { String(cString: $0) } ?? ""))
                }
            }
            rows.append(row)
        }
    }

    /// Runs `sql` (one statement, or several separated by `;` without bindings).
    public func execute(_ sql: String, _ bindings: [SQLValue] = []) throws(DatabaseError) {
        if bindings.isEmpty && sql.contains(";") {
            let code = sqlite3_exec(handle, sql, nil, nil, nil)
            guard code == SQLITE_OK else { throw error(sql, code) }
            return
        }
        try query(sql, bindings)
    }

    /// The rowid of the last inserted row.
    public var lastInsertedRowID: Int64 {
        sqlite3_last_insert_rowid(handle)
    }

    /// Runs `body` in a transaction (IMMEDIATE, so writers queue at the start rather
    /// than fail midway); rolls back when it throws. Nested calls join the outer one.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        if transactionDepth > 0 {
            return try body()
        }
        try execute("BEGIN IMMEDIATE")
        transactionDepth += 1
        defer { transactionDepth -= 1 }
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Applies the migrations newer than the recorded schema version, in order, each in
    /// its own transaction, and records each version applied.
    public func migrate(_ migrations: [Migration]) throws {
        try execute("""
            CREATE TABLE IF NOT EXISTS schema_version (
                version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL)
            """)
        let current = try query("SELECT COALESCE(MAX(version), 0) FROM schema_version")
            .first?.first?.integer ?? 0
        for migration in migrations.sorted(by: { $0.version < $1.version })
        where migration.version > current {
            try transaction {
                try execute(migration.sql + ";")
                try execute("INSERT INTO schema_version VALUES (?, ?, datetime('now'))",
                            [.integer(Int64(migration.version)), .text(migration.name)])
            }
        }
    }

    /// The schema version recorded in the database.
    public func schemaVersion() throws(DatabaseError) -> Int {
        Int(try query("SELECT COALESCE(MAX(version), 0) FROM schema_version")
            .first?.first?.integer ?? 0)
    }

    private func prepare(_ sql: String) throws(DatabaseError) -> OpaquePointer {
        if let cached = statements[sql] {
            return cached
        }
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard code == SQLITE_OK, let statement else { throw error(sql, code) }
        statements[sql] = statement
        return statement
    }

    private func error(_ sql: String, _ code: Int32) -> DatabaseError {
        DatabaseError(sql: sql, code: code, message: String(cString: sqlite3_errmsg(handle)))
    }
}

/// SQLITE_TRANSIENT: SQLite copies bound text before the call returns.
private let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
