import ImageStore
import Synchronization
import Varlink

/// The containers table of the metadata store (SQLite, shared with the image store).
///
/// Thread-safe: every use of its connection happens under `lock` (hence the unchecked
/// conformance: `Database` itself is not Sendable); SQLite's WAL mode and busy timeout
/// let the image store's own connection work beside it.
public final class ContainerStore: @unchecked Sendable {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case notFound(String)
        case exists(String)
        case storage(String)

        public var description: String {
            switch self {
            case .notFound(let id): "no such container \"\(id)\""
            case .exists(let id): "container \"\(id)\" already exists"
            case .storage(let message): "metadata store: \(message)"
            }
        }
    }

    let lock = Mutex(())
    let database: Database

    /// Opens the store in the database at `path`, applying the schema's migrations.
    public init(databasePath: String) throws(Failure) {
        do {
            let database = try Database(path: databasePath)
            try database.migrate(MetadataSchema.migrations)
            self.database = database
        } catch {
            throw .storage("\(error)")
        }
    }

    public func insert(_ record: ContainerRecord) throws(Failure) {
        let encoded = try encode(record)
        try run { database in
            let existing = try database.query("SELECT 1 FROM containers WHERE id = ?",
                                              [.text(record.id)])
            guard existing.isEmpty else { throw Failure.exists(record.id) }
            try database.execute("""
                INSERT INTO containers (id, record, created, updated) VALUES (?, ?, ?, ?)
                """, [.text(record.id), .text(encoded), .text(record.createdAt),
                      .text(record.updatedAt)])
        }
    }

    public func update(_ record: ContainerRecord) throws(Failure) {
        let encoded = try encode(record)
        try run { database in
            try database.execute("UPDATE containers SET record = ?, updated = ? WHERE id = ?",
                                 [.text(encoded), .text(record.updatedAt), .text(record.id)])
        }
    }

    public func get(_ id: String) throws(Failure) -> ContainerRecord {
        let rows = try run { database in
            try database.query("SELECT record FROM containers WHERE id = ?", [.text(id)])
        }
        guard let text = rows.first?.first?.text else { throw .notFound(id) }
        return try decode(text)
    }

    public func list() throws(Failure) -> [ContainerRecord] {
        let rows = try run { database in
            try database.query("SELECT record FROM containers ORDER BY created, id")
        }
        var records: [ContainerRecord] = []
        for row in rows {
            if let text = row.first?.text {
                records.append(try decode(text))
            }
        }
        return records
    }

    public func delete(_ id: String) throws(Failure) {
        try run { database in
            try database.execute("DELETE FROM containers WHERE id = ?", [.text(id)])
        }
    }

    /// The snapshot keys and image names that containers hold on to, for the image
    /// store's garbage collection.
    public func references() throws(Failure) -> (snapshots: Set<String>, images: Set<String>) {
        let records = try list()
        return (Set(records.map(\.snapshotKey)), Set(records.map(\.imageName)))
    }

    func run<T>(_ body: (Database) throws -> T) throws(Failure) -> T {
        do {
            return try lock.withLock { _ in try body(database) }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw .storage("\(error)")
        }
    }

    func encode(_ record: ContainerRecord) throws(Failure) -> String {
        do {
            let text = try JSONValueEncoder().encodeText(record, sortedKeys: true)
            return String(decoding: text, as: UTF8.self)
        } catch {
            throw .storage("cannot encode container \"\(record.id)\": \(error)")
        }
    }

    func decode(_ text: String) throws(Failure) -> ContainerRecord {
        do {
            return try JSONValueDecoder().decode(ContainerRecord.self, fromText: text.utf8)
        } catch {
            throw .storage("a stored container does not decode: \(error)")
        }
    }
}
