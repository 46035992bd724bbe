import Testing
@testable import ImageStore
import SystemKit

@Suite struct DatabaseTests {
    @Test func migrationsApplyOnceInOrderAndWALIsOn() throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        let path = directory + "/metadata.db"
        let extra = MetadataSchema.migrations + [
            Migration(version: 100, name: "volumes", sql: """
                CREATE TABLE volumes (id TEXT PRIMARY KEY, image TEXT NOT NULL)
                """),
        ]

        do {
            let database = try Database(path: path)
            try database.migrate(MetadataSchema.migrations)
            #expect(try database.schemaVersion() == MetadataSchema.migrations.last!.version)
            try database.migrate(extra)
        }
        let reopened = try Database(path: path)
        try reopened.migrate(extra)

        #expect(try reopened.schemaVersion() == 100)
        #expect(try reopened.query("PRAGMA journal_mode").first?.first?.text == "wal")
        try reopened.execute("INSERT INTO volumes VALUES (?, ?)", [.text("c1"), .text("x")])
        #expect(try reopened.query("SELECT COUNT(*) FROM schema_version").first?.first?.integer
            == Int64(extra.count))
    }

    @Test func failedStatementCarriesSQLiteText() throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        let database = try Database(path: directory + "/metadata.db")

        do {
            try database.execute("SELECT * FROM nowhere")
            Issue.record("a query on a missing table succeeded")
        } catch {
            #expect(error.message.contains("no such table: nowhere"))
            #expect(error.sql == "SELECT * FROM nowhere")
        }
    }

    @Test func transactionRollsBackOnError() throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        let database = try Database(path: directory + "/metadata.db")
        try database.execute("CREATE TABLE t (x INTEGER)")

        #expect(throws: DatabaseError.self) {
            try database.transaction {
                try database.execute("INSERT INTO t VALUES (1)")
                try database.execute("INSERT INTO missing VALUES (1)")
            }
        }
        #expect(try database.query("SELECT COUNT(*) FROM t").first?.first?.integer == 0)
    }
}
