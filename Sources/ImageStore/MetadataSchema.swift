/// The metadata store's schema, as one ordered list of migrations.
///
/// A later change appends a migration with the next version number (containers add
/// their table this way); a migration already released is never edited.
public enum MetadataSchema {
    public static let migrations: [Migration] = [
        Migration(version: 1, name: "images and snapshots", sql: """
            CREATE TABLE images (
                name TEXT PRIMARY KEY,
                target TEXT NOT NULL,
                created TEXT NOT NULL,
                updated TEXT NOT NULL,
                labels TEXT NOT NULL DEFAULT '{}'
            );
            CREATE TABLE snapshots (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                key TEXT NOT NULL UNIQUE,
                parent TEXT,
                kind TEXT NOT NULL CHECK (kind IN ('extracting', 'committed', 'active')),
                chain_id TEXT,
                created TEXT NOT NULL
            );
            CREATE INDEX snapshots_parent ON snapshots(parent)
            """),
        Migration(version: 2, name: "leases", sql: """
            CREATE TABLE leases (
                id TEXT PRIMARY KEY,
                created TEXT NOT NULL
            );
            CREATE TABLE lease_resources (
                lease TEXT NOT NULL REFERENCES leases(id) ON DELETE CASCADE,
                kind TEXT NOT NULL CHECK (kind IN ('content', 'snapshot')),
                resource TEXT NOT NULL,
                PRIMARY KEY (lease, kind, resource)
            )
            """),
        // The daemon's containers (ContainerService.ContainerStore): the record as JSON.
        Migration(version: 3, name: "containers", sql: """
            CREATE TABLE containers (
                id TEXT PRIMARY KEY,
                record TEXT NOT NULL,
                created TEXT NOT NULL,
                updated TEXT NOT NULL
            )
            """),
    ]
}
