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
        m.registerMigration("v4-patients") { db in
            // The patient file. The identity (seen by the front desk) is
            // kept as versions: every change is a new row, never an update.
            // Clinical entries are sealed field by field with the clinical
            // key, which a secretary's slot never holds; a correction is a
            // new entry that supersedes the previous one.
            try db.execute(sql: """
                CREATE TABLE patient (
                    id           INTEGER PRIMARY KEY,
                    version      INTEGER NOT NULL,
                    search_key   TEXT NOT NULL,
                    birth_date   TEXT NOT NULL,
                    display_name TEXT NOT NULL,
                    sex          TEXT NOT NULL,
                    deceased_on  TEXT,
                    legal_hold   INTEGER NOT NULL DEFAULT 0,
                    limited      INTEGER NOT NULL DEFAULT 0,
                    last_care_on TEXT,
                    archived_at  TEXT,
                    created_at   TEXT NOT NULL,
                    created_by   TEXT NOT NULL,
                    change_seq   INTEGER NOT NULL
                );
                CREATE INDEX patient_birth ON patient(birth_date);
                CREATE INDEX patient_change ON patient(change_seq);
                CREATE TABLE patient_version (
                    patient_id INTEGER NOT NULL REFERENCES patient(id),
                    version    INTEGER NOT NULL,
                    at         TEXT NOT NULL,
                    author     TEXT NOT NULL,
                    identity   TEXT NOT NULL,
                    PRIMARY KEY (patient_id, version)
                ) WITHOUT ROWID;
                CREATE TRIGGER patient_version_no_update BEFORE UPDATE ON patient_version
                BEGIN SELECT RAISE(ABORT, 'identity versions are never changed'); END;
                CREATE TABLE clinical_entry (
                    id          INTEGER PRIMARY KEY,
                    uid         BLOB NOT NULL UNIQUE,
                    patient_id  INTEGER NOT NULL REFERENCES patient(id),
                    kind        TEXT NOT NULL,
                    occurred_on TEXT NOT NULL,
                    supersedes  INTEGER REFERENCES clinical_entry(id),
                    at          TEXT NOT NULL,
                    author      TEXT NOT NULL,
                    sealed      BLOB NOT NULL
                );
                CREATE INDEX clinical_by_patient ON clinical_entry(patient_id, kind, occurred_on);
                CREATE INDEX clinical_superseded ON clinical_entry(supersedes) WHERE supersedes IS NOT NULL;
                CREATE TRIGGER clinical_no_update BEFORE UPDATE ON clinical_entry
                BEGIN SELECT RAISE(ABORT, 'clinical entries are never changed'); END;
                CREATE TABLE document_blob (
                    entry_id INTEGER PRIMARY KEY REFERENCES clinical_entry(id),
                    sealed   BLOB NOT NULL
                );
                """)
        }
        m.registerMigration("v5-agenda") { db in
            // The appointment book. Instants in UTC seconds, the practice's
            // local day kept for the day and week views. The reason for a
            // visit is optional (../shared/seeds/000_8e655f28ba827d0f.txt
            // l.585). Nothing is deleted here: retention purges later.
            try db.execute(sql: """
                CREATE TABLE appointment (
                    id            INTEGER PRIMARY KEY,
                    patient_id    INTEGER NOT NULL REFERENCES patient(id),
                    start_at      INTEGER NOT NULL,
                    end_at        INTEGER NOT NULL,
                    local_day     TEXT NOT NULL,
                    minutes       INTEGER NOT NULL CHECK (minutes > 0),
                    type          TEXT NOT NULL,
                    reason        TEXT NOT NULL DEFAULT '',
                    status        TEXT NOT NULL,
                    arrived_at    INTEGER,
                    booked_by     TEXT NOT NULL,
                    booked_at     TEXT NOT NULL,
                    cancel_reason TEXT,
                    forced        INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX appointment_day ON appointment(local_day, start_at);
                CREATE INDEX appointment_span ON appointment(start_at, end_at);
                CREATE INDEX appointment_patient ON appointment(patient_id, start_at);
                CREATE TABLE absence (
                    id       INTEGER PRIMARY KEY,
                    start_at INTEGER NOT NULL,
                    end_at   INTEGER NOT NULL,
                    label    TEXT NOT NULL
                );
                """)
        }
        m.registerMigration("v6-agenda-covering") { db in
            // The day and week views read the appointments of a span of time:
            // an index holding every column they show answers them without
            // touching the table (a week at a million appointments otherwise
            // reads hundreds of scattered pages, each one unsealed).
            try db.execute(sql: """
                CREATE INDEX appointment_view ON appointment(start_at, id, patient_id, minutes, type, status, arrived_at,
                                                             booked_by, reason);
                """)
        }
        m.registerMigration("v7-trust") { db in
            // Format 2 (docs/SEALED-STORE.md "Threat model"): the list of
            // accounts MAC'd under a key derived from the clinical key; every
            // clinical row MAC'd with all its columns under another; trail
            // entries signed by the acting account; the signing keys of
            // accounts that existed before the list, published by their own
            // session until a doctor's sign-in records them (first use).
            // Filled by the first doctor's sign-in (Trust.swift): a session
            // without the clinical key only creates the empty places.
            try db.execute(sql: """
                CREATE TABLE roster (
                    id   INTEGER PRIMARY KEY CHECK (id = 1),
                    body BLOB NOT NULL,
                    mac  BLOB NOT NULL
                );
                ALTER TABLE clinical_entry ADD COLUMN mac BLOB;
                ALTER TABLE audit ADD COLUMN signer TEXT;
                ALTER TABLE audit ADD COLUMN sig BLOB;
                CREATE TABLE sign_key_pending (
                    login TEXT PRIMARY KEY NOT NULL,
                    key   BLOB NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        m.registerMigration("v8-backups") { db in
            // What this vault knows of its backups (Backup/SQLBackups.swift):
            // an index for the screen and the compliance checklist; the
            // signed trail (backup, backup.verified, backup.failed) is the
            // record that the front desk's key cannot rewrite.
            try db.execute(sql: """
                CREATE TABLE backup_history (
                    path       TEXT PRIMARY KEY NOT NULL,
                    created_at TEXT NOT NULL,
                    created_by TEXT NOT NULL,
                    bytes      INTEGER NOT NULL,
                    pages      INTEGER NOT NULL,
                    rows       INTEGER NOT NULL,
                    state      TEXT NOT NULL CHECK (state IN ('verified', 'failed', 'unverified')),
                    checked_at TEXT,
                    failure    TEXT
                ) WITHOUT ROWID;
                """)
        }
        return m
    }()
}
