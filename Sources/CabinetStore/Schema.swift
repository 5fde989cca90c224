import GRDB

/// The schema, as ordered and named migrations (one source of truth).
enum Schema {
    static let migrator: DatabaseMigrator = {
        var m = DatabaseMigrator()
        m.registerMigration("v1-vault") { db in
            // Facts about the vault itself: format, creation date, the
            // practice's identity. Never health data.
            try db.execute(sql: """
                CREATE TABLE cabinet_meta (
                    key   TEXT PRIMARY KEY NOT NULL,
                    value TEXT NOT NULL
                ) WITHOUT ROWID;
                INSERT INTO cabinet_meta(key, value) VALUES ('format', '1');
                INSERT INTO cabinet_meta(key, value) VALUES ('created_at', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));
                """)
        }
        return m
    }()
}
