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
        m.registerMigration("v2-accounts-audit") { db in
            // Accounts: the key slots live in the envelope; this is what the
            // practice knows about each person. The second factor's secret is
            // sealed under a key only that account's slot can derive.
            try db.execute(sql: """
                CREATE TABLE account (
                    login          TEXT PRIMARY KEY NOT NULL,
                    role           TEXT NOT NULL CHECK (role IN ('doctor', 'replacement', 'secretary')),
                    display_name   TEXT,
                    created_at     TEXT NOT NULL,
                    created_by     TEXT NOT NULL,
                    disabled_at    TEXT,
                    disabled_by    TEXT,
                    totp_sealed    BLOB,
                    totp_pending   BLOB,
                    totp_last_step INTEGER
                ) WITHOUT ROWID;
                CREATE TABLE audit (
                    seq    INTEGER PRIMARY KEY,
                    at     TEXT NOT NULL,
                    actor  TEXT NOT NULL,
                    action TEXT NOT NULL,
                    object TEXT,
                    detail TEXT,
                    mac    BLOB NOT NULL
                );
                CREATE INDEX audit_object ON audit(object, seq);
                CREATE INDEX audit_at ON audit(at);
                CREATE TABLE audit_anchor (
                    id           INTEGER PRIMARY KEY CHECK (id = 1),
                    first_seq    INTEGER NOT NULL,
                    prev_mac     BLOB NOT NULL,
                    mac          BLOB,
                    pruned_at    TEXT,
                    pruned_count INTEGER NOT NULL DEFAULT 0
                );
                INSERT INTO audit_anchor(id, first_seq, prev_mac) VALUES (1, 1, zeroblob(32));
                CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
                BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
                CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
                WHEN (SELECT value FROM cabinet_meta WHERE key = 'audit_pruning') IS NULL
                BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
                INSERT INTO cabinet_meta(key, value) VALUES ('audit_retention_days', '183');
                INSERT INTO cabinet_meta(key, value) VALUES ('audit_key', lower(hex(randomblob(32))));
                """)
        }
        m.registerMigration("v3-drafts-preferences") { db in
            // Unsaved input kept across a lock, per account, sealed under a
            // key only that account's slot derives (never readable by another
            // account, even one holding the data key). Preferences of each
            // account (the interface's language).
            try db.execute(sql: """
                CREATE TABLE draft (
                    login    TEXT PRIMARY KEY NOT NULL,
                    sealed   BLOB NOT NULL,
                    saved_at TEXT NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE preference (
                    login TEXT NOT NULL,
                    key   TEXT NOT NULL,
                    value TEXT NOT NULL,
                    PRIMARY KEY (login, key)
                ) WITHOUT ROWID;
                """)
        }
        return m
    }()
}
