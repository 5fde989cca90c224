import CSodium
import CabinetCore
import Foundation
import GRDB

/// The patient file over the sealed database (docs/SEALED-STORE.md
/// "Patient file"). Every entry point checks the session's role; every
/// opening and every write goes to the audit trail, without any content.
extension Vault {
    /// Largest document accepted (a scanned letter, a PDF of results).
    public static let documentMaxBytes = 20 * 1024 * 1024

    // MARK: - Identity

    /// Creates a patient; throws `possibleDuplicate` when a patient with the
    /// same names and date of birth exists, unless `allowDuplicate`.
    public func addPatient(_ raw: PatientIdentity, allowDuplicate: Bool = false, now: Date = Date()) throws -> Int64 {
        try AccessPolicy.check(session, .writeIdentity)
        let identity = raw.sanitized()
        try Self.validate(identity, now: now)
        if !allowDuplicate, let twin = try duplicates(of: identity).first { throw CabinetError.possibleDuplicate(id: twin) }
        let json = try Self.encode(identity)
        let key = try auditKey(), actor = session.actor
        return try write { db in
            let seq = try Self.nextChangeSeq(db)
            try db.execute(sql: """
                INSERT INTO patient(version, search_key, birth_date, display_name, sex, created_at, created_by, change_seq)
                VALUES (1, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [identity.searchKey.value, identity.birthDate.iso, identity.displayName,
                                 identity.sex.rawValue, AuditLog.timestamp(now), actor, seq])
            let id = db.lastInsertedRowID
            try db.execute(sql: "INSERT INTO patient_version(patient_id, version, at, author, identity) VALUES (?, 1, ?, ?, ?)",
                           arguments: [id, AuditLog.timestamp(now), actor, json])
            try AuditLog.append(db, key: key, actor: actor, action: .recordWritten, object: "patient:\(id)", detail: "identity.created")
            return id
        }
    }

    /// Patients with the same names and date of birth as `identity`.
    public func duplicates(of identity: PatientIdentity, excluding: Int64? = nil) throws -> [Int64] {
        try AccessPolicy.check(session, .readIdentity)
        let key = identity.searchKey.value
        return try read { db in
            try Int64.fetchAll(db, sql: "SELECT id FROM patient WHERE search_key = ? AND birth_date = ? AND id IS NOT ?",
                               arguments: [key, identity.birthDate.iso, excluding])
        }
    }

    /// A new version of the identity; the previous ones stay.
    public func updatePatient(_ id: Int64, _ raw: PatientIdentity, now: Date = Date()) throws {
        try AccessPolicy.check(session, .writeIdentity)
        let identity = raw.sanitized()
        try Self.validate(identity, now: now)
        let json = try Self.encode(identity)
        let key = try auditKey(), actor = session.actor
        try write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT version, limited FROM patient WHERE id = ?", arguments: [id])
            else { throw CabinetError.patientNotFound(id: id) }
            if (row["limited"] as Int) != 0 { throw CabinetError.recordLimited }
            let previous = try Self.identity(db, id: id, version: row["version"])
            let changed = Self.changedFields(previous, identity)
            guard !changed.isEmpty else { return }
            let version = (row["version"] as Int) + 1
            let seq = try Self.nextChangeSeq(db)
            try db.execute(sql: "INSERT INTO patient_version(patient_id, version, at, author, identity) VALUES (?, ?, ?, ?, ?)",
                           arguments: [id, version, AuditLog.timestamp(now), actor, json])
            try db.execute(sql: """
                UPDATE patient SET version = ?, search_key = ?, birth_date = ?, display_name = ?, sex = ?, change_seq = ?
                WHERE id = ?
                """, arguments: [version, identity.searchKey.value, identity.birthDate.iso, identity.displayName,
                                 identity.sex.rawValue, seq, id])
            try AuditLog.append(db, key: key, actor: actor, action: .recordWritten, object: "patient:\(id)",
                                detail: "identity:" + changed.joined(separator: ","))
        }
    }

    /// Opens a record's identity (logged).
    public func patient(_ id: Int64, now: Date = Date()) throws -> PatientRecord {
        try AccessPolicy.check(session, .readIdentity)
        let key = try auditKey(), actor = session.actor
        return try write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM patient WHERE id = ?", arguments: [id])
            else { throw CabinetError.patientNotFound(id: id) }
            let identity = try Self.identity(db, id: id, version: row["version"])
            try AuditLog.append(db, key: key, actor: actor, action: .recordOpened, object: "patient:\(id)", detail: "identity")
            return PatientRecord(id: id, identity: identity, flags: Self.flags(row), version: row["version"],
                                 createdAt: AuditLog.date(row["created_at"]), createdBy: row["created_by"])
        }
    }

    /// Opens a record as the interface shows it, read and logged in one
    /// transaction (one commit, whatever the record holds): the identity,
    /// for doctors the clinical entries in force, decrypted, and the history
    /// (identity versions; for doctors, entries and corrections, never their
    /// content). The trace of the opening is written before anything is
    /// returned (access logging: ../shared/seeds/002_d4f97852d99ed6fe.txt
    /// l.267, ../shared/seeds/000_8e655f28ba827d0f.txt l.1423-1429).
    public func openRecord(_ id: Int64, now: Date = Date()) throws -> OpenedRecord {
        try AccessPolicy.check(session, .readIdentity)
        let clinical = session.role.isDoctor ? clinicalKeyForSealing : nil
        if clinical != nil { try AccessPolicy.check(session, .readClinical) }
        let key = try auditKey(), actor = session.actor
        return try write { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT version, deceased_on, legal_hold, limited, created_at, created_by FROM patient WHERE id = ?
                """), arguments: [id])
            else { throw CabinetError.patientNotFound(id: id) }
            let version: Int = row[0]
            var history: [HistoryLine] = []
            var previous: PatientIdentity?
            var identity: PatientIdentity?
            var allVersions: [Int: PatientIdentity] = [:]
            let versions = try Row.fetchCursor(db.cachedStatement(sql: """
                SELECT version, at, author, identity FROM patient_version WHERE patient_id = ? ORDER BY version
                """), arguments: [id])
            while let v = try versions.next() {
                let this = try JSONDecoder().decode(PatientIdentity.self, from: Data((v[3] as String).utf8))
                let detail = previous.map { Self.changedFields($0, this).joined(separator: ", ") } ?? "created"
                history.append(HistoryLine(at: AuditLog.date(v[1]), author: v[2], what: "identity", detail: detail,
                                           ref: .identity(version: v[0])))
                allVersions[v[0] as Int] = this
                if (v[0] as Int) == version { identity = this }
                previous = this
            }
            guard let identity else { throw CabinetError.patientNotFound(id: id) }
            var entries: [ClinicalEntry] = []
            var corrected: [ClinicalEntry] = []
            if let ck = clinical {
                // Every entry of the patient once (corrections included, for
                // the history); only those in force are decrypted.
                struct Raw { let id: Int64, kind: ClinicalKind, occurredOn: String, supersedes: Int64?, at: Date, author: String
                             let uid: [UInt8], sealed: [UInt8] }
                var raws: [Raw] = []
                var superseded: Set<Int64> = []
                // Every row authenticated with all its columns before its
                // correction link is followed: a forged row can neither move
                // an entry here nor hide one (Trust.swift).
                let rowKey = ClinicalSubKey.row.derive(from: ck)
                let rows = try Row.fetchCursor(db.cachedStatement(sql: """
                    SELECT id, kind, occurred_on, supersedes, at, author, uid, sealed,
                           \(Self.clinicalColumns) FROM clinical_entry
                    WHERE patient_id = ? ORDER BY occurred_on DESC, id DESC
                    """), arguments: [id])
                while let r = try rows.next() {
                    try Self.checkClinicalRow(r, key: rowKey, offset: 8)
                    let raw = Raw(id: r[0], kind: ClinicalKind(rawValue: r[1]) ?? .consultation, occurredOn: r[2], supersedes: r[3],
                                  at: AuditLog.date(r[4]), author: r[5], uid: [UInt8](r[6] as Data), sealed: [UInt8](r[7] as Data))
                    if let s = raw.supersedes { superseded.insert(s) }
                    history.append(HistoryLine(at: raw.at, author: raw.author, what: raw.kind.rawValue,
                                               detail: raw.supersedes == nil ? "new" : "correction", ref: .entry(id: raw.id)))
                    raws.append(raw)
                }
                for raw in raws {
                    guard let fields = Self.openFields(raw.sealed, kind: raw.kind, uid: raw.uid, key: ck) else {
                        throw Self.unopenable(id: raw.id, raw.sealed, kind: raw.kind, uid: raw.uid, key: ck)
                    }
                    let entry = ClinicalEntry(id: raw.id, patientID: id, kind: raw.kind,
                                              occurredOn: CivilDate(iso: raw.occurredOn) ?? CivilDate(now), author: raw.author,
                                              at: raw.at, supersedes: raw.supersedes, fields: fields)
                    // The corrected ones too: the history shows them as they were.
                    if superseded.contains(raw.id) { corrected.append(entry) } else { entries.append(entry) }
                }
            }
            try AuditLog.append(db, key: key, actor: actor, action: .recordOpened, object: "patient:\(id)", detail: "identity")
            if clinical != nil {
                try AuditLog.append(db, key: key, actor: actor, action: .recordOpened, object: "patient:\(id)", detail: "clinical")
            }
            let record = PatientRecord(id: id, identity: identity, flags: Self.flags(row), version: version,
                                       createdAt: AuditLog.date(row[4]), createdBy: row[5])
            return OpenedRecord(record: record, entries: entries, history: history.sorted(by: HistoryLine.chronological),
                                versions: allVersions, superseded: corrected)
        }
    }

    /// The identity as it was at each version, oldest first.
    public func identityVersions(_ id: Int64) throws -> [(version: Int, at: Date, author: String, identity: PatientIdentity)] {
        try AccessPolicy.check(session, .readIdentity)
        return try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM patient_version WHERE patient_id = ? ORDER BY version", arguments: [id]).map {
                (version: $0["version"], at: AuditLog.date($0["at"]), author: $0["author"],
                 identity: try JSONDecoder().decode(PatientIdentity.self, from: Data(($0["identity"] as String).utf8)))
            }
        }
    }

    /// Who changed what and when: identity versions, and (for doctors)
    /// clinical entries and corrections. Never the content.
    public func history(_ id: Int64) throws -> [HistoryLine] {
        let versions = try identityVersions(id)
        var lines: [HistoryLine] = []
        for (i, v) in versions.enumerated() {
            let detail = i == 0 ? "created" : Self.changedFields(versions[i - 1].identity, v.identity).joined(separator: ", ")
            lines.append(HistoryLine(at: v.at, author: v.author, what: "identity", detail: detail, ref: .identity(version: v.version)))
        }
        if session.role.isDoctor {
            let rows = try read { db in
                try Row.fetchAll(db, sql: "SELECT id, kind, at, author, supersedes FROM clinical_entry WHERE patient_id = ?",
                                 arguments: [id])
            }
            for r in rows {
                lines.append(HistoryLine(at: AuditLog.date(r["at"]), author: r["author"], what: r["kind"],
                                         detail: (r["supersedes"] as Int64?) == nil ? "new" : "correction", ref: .entry(id: r["id"])))
            }
        }
        return lines.sorted(by: HistoryLine.chronological)
    }

    public func setFlags(_ id: Int64, _ flags: PatientFlags) throws {
        try AccessPolicy.check(session, .writeClinical)
        let key = try auditKey(), actor = session.actor
        try write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM patient WHERE id = ?", arguments: [id]) != nil
            else { throw CabinetError.patientNotFound(id: id) }
            let seq = try Self.nextChangeSeq(db)
            try db.execute(sql: "UPDATE patient SET deceased_on = ?, legal_hold = ?, limited = ?, change_seq = ? WHERE id = ?",
                           arguments: [flags.deceasedOn?.iso, flags.legalHold ? 1 : 0, flags.limited ? 1 : 0, seq, id])
            try AuditLog.append(db, key: key, actor: actor, action: .recordWritten, object: "patient:\(id)",
                                detail: "flags:deceased=\(flags.deceasedOn != nil),hold=\(flags.legalHold),limited=\(flags.limited)")
        }
    }

    // MARK: - Search

    /// Accent-, case- and hyphen-insensitive search by name prefixes (of the
    /// surname and the first names, in any order), optionally with a date of
    /// birth.
    public func searchPatients(_ text: String, limit: Int = 200) throws -> [PatientSummary] {
        try AccessPolicy.check(session, .readIdentity)
        let query = PatientQuery.parse(text)
        guard !query.isEmpty else { return [] }
        let index = try patientIndex()
        // The best answers first (an exact last name before a compound
        // one), name order kept within each rank.
        // Only the first screenfuls are ranked: a keystroke stays cheap.
        let found = index.search(query, limit: limit)
        let head = found.prefix(60)
        let ranks = head.map { query.rank(displayName: $0.displayName) }
        return head.indices.sorted { (ranks[$0], $0) < (ranks[$1], $1) }.map { found[$0] } + found.dropFirst(60)
    }

    /// Every patient (the list before anything is typed), by name.
    public func patientCount() throws -> Int {
        try AccessPolicy.check(session, .readIdentity)
        return try patientIndex().count
    }

    /// Loads and orders the search index ahead of the first search: the
    /// interface calls it once the first screen after sign-in is drawn, so
    /// that the first letter typed in a search does not wait for it.
    public func warmUp() throws {
        try AccessPolicy.check(session, .readIdentity)
        try patientIndex().prepare()
    }

    /// The in-memory search index, brought up to date with what any desk
    /// changed since (rows whose change number is newer).
    func patientIndex() throws -> PatientIndex {
        let index = patientIndexStorage
        try read { db in try Self.catchUp(index, db) }
        return index
    }

    /// Brings the index up to date inside a read already open.
    static func catchUp(_ index: PatientIndex, _ db: Database) throws {
        let last = try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM cabinet_meta WHERE key = 'patient_change_seq'"))
            .flatMap(Int64.init) ?? 0
        guard last > index.seenSeq else { return }
        let rows = try Row.fetchCursor(db, sql: """
            SELECT id, search_key, birth_date, display_name, sex, deceased_on, legal_hold, limited, archived_at, change_seq
            FROM patient WHERE change_seq > ?
            """, arguments: [index.seenSeq])
        // Columns by position: a lookup by name folds the name's case on
        // every call, for every column of 50 000 rows at the first search.
        while let r = try rows.next() {
            let flags = PatientFlags(deceasedOn: (r[5] as String?).flatMap(CivilDate.init(iso:)), legalHold: (r[6] as Int) != 0,
                                     limited: (r[7] as Int) != 0)
            index.upsert(id: r[0], key: r[1], birth: CivilDate(iso: r[2]), name: r[3], sex: Sex(rawValue: r[4]) ?? .indeterminate,
                         flags: flags, archived: (r[8] as String?) != nil)
        }
        index.seenSeq = last
    }

    // MARK: - Clinical entries

    /// Adds a clinical entry (or a correction of `supersedes`); doctors only.
    public func addClinicalEntry(patient id: Int64, kind: ClinicalKind, occurredOn: CivilDate, fields raw: [String: String],
                                 supersedes: Int64? = nil, now: Date = Date()) throws -> Int64 {
        try AccessPolicy.check(session, .writeClinical)
        guard let ck = clinicalKeyForSealing else { throw CabinetError.permissionDenied(operation: Privilege.writeClinical.rawValue) }
        let fields = try Self.cleanFields(kind, raw)
        let uid = randomBytes(16)
        let sealed = Self.sealFields(fields, kind: kind, uid: uid, key: ck)
        let key = try auditKey(), actor = session.actor
        return try write { db in
            try Self.requireWritable(db, id)
            if let supersedes {
                guard try Bool.fetchOne(db, sql: "SELECT 1 FROM clinical_entry WHERE id = ? AND patient_id = ? AND kind = ?",
                                        arguments: [supersedes, id, kind.rawValue]) != nil
                else { throw CabinetError.entryNotFound(id: supersedes) }
            }
            // The id is chosen here so that the row's MAC can cover it.
            let entry = (try Int64.fetchOne(db, sql: "SELECT max(id) FROM clinical_entry") ?? 0) + 1
            let at = AuditLog.timestamp(now)
            let mac = Self.clinicalRowMAC(ClinicalSubKey.row.derive(from: ck), id: entry, uid: uid, patient: id,
                                          kind: kind.rawValue, occurredOn: occurredOn.iso, supersedes: supersedes, at: at,
                                          author: actor, sealed: sealed)
            try db.execute(sql: """
                INSERT INTO clinical_entry(id, uid, patient_id, kind, occurred_on, supersedes, at, author, sealed, mac)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [entry, Data(uid), id, kind.rawValue, occurredOn.iso, supersedes, at, actor, Data(sealed), Data(mac)])
            if kind == .consultation || kind == .vitals || kind == .document {
                // Retention counts from the last care (PRODUCT.md "Retention").
                try db.execute(sql: """
                    UPDATE patient SET last_care_on = max(coalesce(last_care_on, ''), ?) WHERE id = ?
                    """, arguments: [occurredOn.iso, id])
            }
            try AuditLog.append(db, key: key, actor: actor, action: .recordWritten, object: "patient:\(id)",
                                detail: "clinical:\(kind.rawValue)\(supersedes == nil ? "" : ":correction")")
            return entry
        }
    }

    /// The current clinical entries of a record (corrections replace what
    /// they supersede), newest first; doctors only, logged.
    public func clinicalEntries(patient id: Int64, kind: ClinicalKind? = nil, includeSuperseded: Bool = false,
                                limit: Int = 10_000) throws -> [ClinicalEntry] {
        try AccessPolicy.check(session, .readClinical)
        guard let ck = clinicalKeyForSealing else { throw CabinetError.permissionDenied(operation: Privilege.readClinical.rawValue) }
        let key = try auditKey(), actor = session.actor
        return try write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM patient WHERE id = ?", arguments: [id]) != nil
            else { throw CabinetError.patientNotFound(id: id) }
            // Every row of the patient is authenticated (all its columns)
            // before a correction link is followed: a forged row cannot hide
            // the entry it claims to correct (Trust.swift).
            let rowKey = ClinicalSubKey.row.derive(from: ck)
            let all = try Row.fetchAll(db, sql: "SELECT \(Self.clinicalColumns) FROM clinical_entry WHERE patient_id = ?",
                                       arguments: [id])
            var superseded: Set<Int64> = []
            for r in all {
                try Self.checkClinicalRow(r, key: rowKey)
                if let s = r[5] as Int64? { superseded.insert(s) }
            }
            let rows = all.filter { r in
                (kind == nil || (r["kind"] as String) == kind?.rawValue) && (includeSuperseded || !superseded.contains(r["id"]))
            }.sorted { a, b in
                let (da, db): (String, String) = (a["occurred_on"], b["occurred_on"])
                return da != db ? da > db : (a["id"] as Int64) > (b["id"] as Int64)
            }.prefix(limit)
            let entries = try rows.map { r -> ClinicalEntry in
                let k = ClinicalKind(rawValue: r["kind"]) ?? .consultation
                let uid = [UInt8](r["uid"] as Data)
                let sealed = [UInt8](r["sealed"] as Data)
                guard let fields = Self.openFields(sealed, kind: k, uid: uid, key: ck) else {
                    throw Self.unopenable(id: r["id"], sealed, kind: k, uid: uid, key: ck)
                }
                return ClinicalEntry(id: r["id"], patientID: id, kind: k, occurredOn: CivilDate(iso: r["occurred_on"]) ?? CivilDate(Date()),
                                     author: r["author"], at: AuditLog.date(r["at"]), supersedes: r["supersedes"], fields: fields)
            }
            try AuditLog.append(db, key: key, actor: actor, action: .recordOpened, object: "patient:\(id)",
                                detail: "clinical" + (kind.map { ":" + $0.rawValue } ?? ""))
            return entries
        }
    }

    // MARK: - Documents

    /// Imports a file (letter, results, PDF or image) sealed in the vault.
    public func importDocument(patient id: Int64, path: String, title: String, date: CivilDate, now: Date = Date()) throws -> Int64 {
        try AccessPolicy.check(session, .writeClinical)
        guard let ck = clinicalKeyForSealing else { throw CabinetError.permissionDenied(operation: Privilege.writeClinical.rawValue) }
        var st = stat()
        guard stat(path, &st) == 0 else { throw CabinetError.io(path: path, errno: errno) }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw CabinetError.isDirectory(path: path) }
        guard Int(st.st_size) <= Self.documentMaxBytes else {
            throw CabinetError.documentTooLarge(maxMegabytes: Self.documentMaxBytes / 1_048_576)
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CabinetError.io(path: path, errno: EACCES) }
        defer { try? handle.close() }
        let data = try handle.readToEnd() ?? Data()
        guard data.count <= Self.documentMaxBytes else {
            throw CabinetError.documentTooLarge(maxMegabytes: Self.documentMaxBytes / 1_048_576)
        }
        let name = PathNames.name(path)
        let entry = try addClinicalEntry(patient: id, kind: .document, occurredOn: date,
                                         fields: ["title": title, "filename": name, "mime": Self.mime(data, name: name),
                                                  "size": String(data.count)], now: now)
        let uid = try read { db in try Data.fetchOne(db, sql: "SELECT uid FROM clinical_entry WHERE id = ?", arguments: [entry]) } ?? Data()
        let sealed = Self.sealData([UInt8](data), key: ck, ad: Array("cabinet-document-v1".utf8) + [UInt8](uid))
        try write { db in
            try db.execute(sql: "INSERT INTO document_blob(entry_id, sealed) VALUES (?, ?)", arguments: [entry, Data(sealed)])
        }
        return entry
    }

    /// A document entry and its blob, both authenticated: the entry's row
    /// (all its columns), the blob bound to the entry's uid (one swapped
    /// from another entry does not open), the entry's fields.
    private func openDocument(_ entry: Int64, key ck: SecureBytes) throws
        -> (patient: Int64, fields: [String: String], bytes: [UInt8]) {
        let row = try read { db in
            try Row.fetchOne(db, sql: """
                SELECT c.uid, c.patient_id, b.sealed, \(Self.clinicalColumns.split(separator: ",").map { "c." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", "))
                FROM clinical_entry c JOIN document_blob b ON b.entry_id = c.id WHERE c.id = ?
                """, arguments: [entry])
        }
        guard let row else { throw CabinetError.entryNotFound(id: entry) }
        try Self.checkClinicalRow(row, key: ClinicalSubKey.row.derive(from: ck), offset: 3)
        let uid = [UInt8](row[0] as Data)
        // Column 2 is the document's blob, column 11 the entry's sealed fields.
        guard let plain = Self.openData([UInt8](row[2] as Data), key: ck, ad: Array("cabinet-document-v1".utf8) + uid),
              let fields = Self.openFields([UInt8](row[11] as Data), kind: .document, uid: uid, key: ck)
        else { throw CabinetError.tampered(.clinicalEntry(id: entry)) }
        return (row[1], fields, plain)
    }

    /// A document's bytes, its title and type, to be shown inside Cabinet
    /// (doctors only; the opening is logged). Nothing is written anywhere.
    public func readDocument(entry: Int64) throws -> (title: String, mime: String, bytes: [UInt8]) {
        try AccessPolicy.check(session, .readClinical)
        guard let ck = clinicalKeyForSealing else { throw CabinetError.permissionDenied(operation: Privilege.readClinical.rawValue) }
        let (patient, fields, plain) = try openDocument(entry, key: ck)
        try audit(.recordOpened, object: "patient:\(patient)", detail: "document:\(entry)")
        return (fields["title"] ?? "", fields["mime"] ?? "application/octet-stream", plain)
    }

    /// Writes a document out of the vault (doctors only; logged).
    public func exportDocument(entry: Int64, to path: String) throws {
        try AccessPolicy.check(session, .exportRecords)
        guard let ck = clinicalKeyForSealing else { throw CabinetError.permissionDenied(operation: Privilege.exportRecords.rawValue) }
        let (patient, _, plain) = try openDocument(entry, key: ck)
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CabinetError.io(path: path, errno: errno) }
        defer { close(fd) }
        var off = 0
        while off < plain.count {
            let n = plain[off...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 { let e = errno; unlink(path); throw e == ENOSPC ? CabinetError.diskFull : CabinetError.io(path: path, errno: e) }
            off += n
        }
        try audit(.export, object: "patient:\(patient)", detail: "document:\(entry)")
    }

    // MARK: - Helpers

    static func validate(_ identity: PatientIdentity, now: Date) throws {
        if let p = identity.problems(today: CivilDate(now)).first {
            throw CabinetError.invalidField(field: p.field, key: p.key)
        }
    }

    static func encode(_ identity: PatientIdentity) throws -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        return String(decoding: try enc.encode(identity), as: UTF8.self)
    }

    static func identity(_ db: Database, id: Int64, version: Int) throws -> PatientIdentity {
        guard let json = try String.fetchOne(db, sql: "SELECT identity FROM patient_version WHERE patient_id = ? AND version = ?",
                                             arguments: [id, version])
        else { throw CabinetError.patientNotFound(id: id) }
        return try JSONDecoder().decode(PatientIdentity.self, from: Data(json.utf8))
    }

    static func flags(_ row: Row) -> PatientFlags {
        PatientFlags(deceasedOn: (row["deceased_on"] as String?).flatMap(CivilDate.init(iso:)),
                     legalHold: (row["legal_hold"] as Int) != 0, limited: (row["limited"] as Int) != 0)
    }

    static func requireWritable(_ db: Database, _ id: Int64) throws {
        guard let limited = try Int.fetchOne(db, sql: "SELECT limited FROM patient WHERE id = ?", arguments: [id])
        else { throw CabinetError.patientNotFound(id: id) }
        if limited != 0 { throw CabinetError.recordLimited }
    }

    static func nextChangeSeq(_ db: Database) throws -> Int64 {
        let next = (try String.fetchOne(db, sql: "SELECT value FROM cabinet_meta WHERE key = 'patient_change_seq'")
            .flatMap(Int64.init) ?? 0) + 1
        try db.execute(sql: "INSERT OR REPLACE INTO cabinet_meta(key, value) VALUES ('patient_change_seq', ?)",
                       arguments: [String(next)])
        return next
    }

    /// The names of the identity fields that differ (never their values).
    static func changedFields(_ a: PatientIdentity, _ b: PatientIdentity) -> [String] {
        var out: [String] = []
        func cmp(_ name: String, _ x: some Equatable, _ y: some Equatable) {
            if let yy = y as? AnyHashable, let xx = x as? AnyHashable, xx == yy { return }
            out.append(name)
        }
        cmp("birth_name", a.birthName, b.birthName)
        cmp("used_name", a.usedName, b.usedName)
        cmp("first_names", a.firstNames, b.firstNames)
        cmp("sex", a.sex.rawValue, b.sex.rawValue)
        cmp("birth_date", a.birthDate.iso, b.birthDate.iso)
        cmp("birth_place", a.birthPlace, b.birthPlace)
        cmp("address", a.addressLine1 + "\n" + a.addressLine2 + "\n" + a.postcode + "\n" + a.city,
            b.addressLine1 + "\n" + b.addressLine2 + "\n" + b.postcode + "\n" + b.city)
        cmp("phone", a.phone, b.phone)
        cmp("mobile", a.mobile, b.mobile)
        cmp("email", a.email, b.email)
        cmp("profession", a.profession, b.profession)
        cmp("ins", a.ins + a.insStatus.rawValue, b.ins + b.insStatus.rawValue)
        cmp("nir", a.nir, b.nir)
        cmp("lifestyle_consent", a.lifestyleConsent ? "1" : "0", b.lifestyleConsent ? "1" : "0")
        return out
    }

    /// Keeps the kind's fields only, sanitised to their length; refuses an
    /// unknown field and an entry with nothing in it.
    static func cleanFields(_ kind: ClinicalKind, _ raw: [String: String]) throws -> [String: String] {
        var out: [String: String] = [:]
        for (name, value) in raw {
            guard kind.fields.contains(name) else { throw CabinetError.usage(key: "error.unknown_field") }
            let clean = FieldText.sanitize(value, multiline: kind.isMultiline(name), maxLength: kind.maxLength(name)).text
            if !clean.isEmpty { out[name] = clean }
        }
        if out.isEmpty { throw CabinetError.usage(key: "error.empty_entry") }
        return out
    }

    /// Each field sealed on its own (XChaCha20-Poly1305, AD = entry uid ‖
    /// field name): [field index: 1 byte][length: 4 bytes LE][nonce ‖ ciphertext].
    static func sealFields(_ fields: [String: String], kind: ClinicalKind, uid: [UInt8], key: SecureBytes) -> [UInt8] {
        var out: [UInt8] = []
        for (i, name) in kind.fields.enumerated() {
            guard let value = fields[name] else { continue }
            let box = sealData(Array(value.utf8), key: key, ad: uid + Array(name.utf8))
            out.append(UInt8(i))
            out += le32(UInt32(box.count))
            out += box
        }
        return out
    }

    /// The fields of a row that did not open, said by name: the first
    /// field whose seal fails (or the row itself when its layout is broken).
    static func unopenable(id: Int64, _ blob: [UInt8], kind: ClinicalKind, uid: [UInt8], key: SecureBytes) -> CabinetError {
        var i = 0
        while i + 5 <= blob.count {
            let index = Int(blob[i])
            let length = Int(readLE32(blob, i + 1))
            i += 5
            guard index < kind.fields.count, i + length <= blob.count else { break }
            let name = kind.fields[index]
            if openData(Array(blob[i..<(i + length)]), key: key, ad: uid + Array(name.utf8)) == nil {
                return .tampered(.clinicalField(id: id, field: "entry.field.\(name)"))
            }
            i += length
        }
        return .tampered(.clinicalEntry(id: id))
    }

    static func openFields(_ blob: [UInt8], kind: ClinicalKind, uid: [UInt8], key: SecureBytes) -> [String: String]? {
        var out: [String: String] = [:]
        var i = 0
        while i + 5 <= blob.count {
            let index = Int(blob[i])
            let length = Int(readLE32(blob, i + 1))
            i += 5
            guard index < kind.fields.count, i + length <= blob.count else { return nil }
            let name = kind.fields[index]
            guard let plain = openData(Array(blob[i..<(i + length)]), key: key, ad: uid + Array(name.utf8)) else { return nil }
            out[name] = String(decoding: plain, as: UTF8.self)
            i += length
        }
        return i == blob.count ? out : nil
    }

    /// Seals data (not a key: plain arrays, no guarded allocation).
    static func sealData(_ plain: [UInt8], key: SecureBytes, ad: [UInt8]) -> [UInt8] {
        var nonce = [UInt8](repeating: 0, count: 24)
        randombytes_buf(&nonce, 24)
        var out = [UInt8](repeating: 0, count: plain.count + 16)
        var outLen: UInt64 = 0
        key.withBytes { k in
            _ = crypto_aead_xchacha20poly1305_ietf_encrypt(&out, &outLen, plain, UInt64(plain.count), ad, UInt64(ad.count),
                                                            nil, nonce, k)
        }
        return nonce + out
    }

    static func openData(_ sealed: [UInt8], key: SecureBytes, ad: [UInt8]) -> [UInt8]? {
        guard sealed.count >= 40 else { return nil }
        var out = [UInt8](repeating: 0, count: sealed.count - 40)
        var outLen: UInt64 = 0
        let ok = sealed.withUnsafeBufferPointer { s -> Bool in
            guard let base = s.baseAddress else { return false }
            return key.withBytes { k in
                crypto_aead_xchacha20poly1305_ietf_decrypt(&out, &outLen, nil, base + 24, UInt64(sealed.count - 24),
                                                            ad, UInt64(ad.count), base, k) == 0
            }
        }
        return ok ? out : nil
    }

    static func mime(_ data: Data, name: String) -> String {
        let head = [UInt8](data.prefix(8))
        if head.starts(with: Array("%PDF".utf8)) { return "application/pdf" }
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return "image/png" }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if name.lowercased().hasSuffix(".txt") { return "text/plain" }
        return "application/octet-stream"
    }
}

/// The in-memory search index of a vault's patients (names folded and split
/// into words once, dates of birth as day numbers), kept in name order so a
/// search stops at its limit without sorting. Never written anywhere.
final class PatientIndex: @unchecked Sendable {
    // Touched under the vault's owning thread only (like Vault itself).
    struct Row {
        let id: Int64
        /// The stored search key's bytes: folded words, single spaces.
        /// Mutable only so that `clear` can overwrite the bytes in place.
        var key: [UInt8]
        let birthDay: Int?
        let birth: CivilDate?
        let name: String
        let sex: Sex
        let flags: PatientFlags
        let archived: Bool
    }
    var rows: [Row] = []
    var position: [Int64: Int] = [:]
    /// Row indices in display order (name, then date of birth).
    private var order: [Int] = []
    private var orderIsStale = true
    private var buckets: [UInt16: [Int32]] = [:]
    var seenSeq: Int64 = 0
    var count: Int { rows.count }

    /// The names by patient id, for ids below its length (rowids are dense;
    /// "" where none): the week view resolves hundreds of names a frame, and
    /// a plain array of names beats hashing into the rows. `position`
    /// still answers every id.
    private var namesByID: [String] = []

    func name(of id: Int64) -> String? {
        if id >= 0 && id < namesByID.count {
            let name = namesByID[Int(id)]
            if !name.isEmpty { return name }
        }
        return position[id].map { rows[$0].name }
    }

    /// Testing hook: sees every row's key bytes after they were
    /// overwritten, just before they are released.
    var beforeRelease: (([UInt8]) -> Void)?

    /// Empties the index (at lock). The normalised names' bytes (`key`)
    /// are overwritten in place before their buffers are released (each
    /// buffer is referenced by its row only, so no copy is made). The
    /// display names are Swift `String`s: they cannot be overwritten, only
    /// released (a documented limit, docs/SEALED-STORE.md).
    func clear() {
        for i in rows.indices {
            rows[i].key.withUnsafeMutableBufferPointer { b in
                if let base = b.baseAddress, b.count > 0 { sodium_memzero(base, b.count) }
            }
            beforeRelease?(rows[i].key)
        }
        rows = []
        position = [:]
        namesByID = []
        order = []
        buckets = [:]
        orderIsStale = true
        seenSeq = 0
    }

    func upsert(id: Int64, key: String, birth: CivilDate?, name: String, sex: Sex, flags: PatientFlags, archived: Bool) {
        let row = Row(id: id, key: Array(key.utf8), birthDay: birth?.dayNumber, birth: birth, name: name, sex: sex, flags: flags,
                      archived: archived)
        let index: Int
        if let i = position[id] {
            // Out of the display order and the buckets under its old name.
            if !orderIsStale {
                if let at = order.firstIndex(of: i) { order.remove(at: at) }
                for k in Self.bucketKeys(rows[i].key) { buckets[k]?.removeAll { $0 == Int32(i) } }
            }
            rows[i] = row
            index = i
        } else {
            position[id] = rows.count
            rows.append(row)
            index = rows.count - 1
        }
        if id >= 0 && id < 4 * Int64(rows.count) + 4096 {
            if Int(id) >= namesByID.count { namesByID.append(contentsOf: repeatElement("", count: Int(id) + 1 - namesByID.count)) }
            namesByID[Int(id)] = name
        }
        // Once the order is built, a patient added or renamed (here or on
        // another desk) takes its place in it: the next search does not sort
        // 50 000 names again.
        if !orderIsStale { place(index) }
    }

    /// Display order: name, then date of birth, then the order of arrival.
    private func precedes(_ a: Int, _ b: Int) -> Bool {
        let na = rows[a].name, nb = rows[b].name
        if na != nb { return na < nb }
        let da = rows[a].birthDay ?? 0, db = rows[b].birthDay ?? 0
        return da != db ? da < db : a < b
    }

    /// The two-letter starts of a name's words (bucket keys).
    private static func bucketKeys(_ key: [UInt8]) -> Set<UInt16> {
        var keys: Set<UInt16> = []
        for w in key.split(separator: 0x20) where w.count >= 2 {
            keys.insert(UInt16(w[w.startIndex]) << 8 | UInt16(w[w.startIndex + 1]))
        }
        return keys
    }

    /// Puts row `i` at its place in the display order and in its buckets.
    private func place(_ i: Int) {
        func insertionPoint<C: RandomAccessCollection>(_ list: C, _ index: (C.Element) -> Int) -> C.Index {
            var low = list.startIndex, high = list.endIndex
            while low < high {
                let mid = list.index(low, offsetBy: list.distance(from: low, to: high) / 2)
                if precedes(index(list[mid]), i) { low = list.index(after: mid) } else { high = mid }
            }
            return low
        }
        order.insert(i, at: insertionPoint(order) { $0 })
        for k in Self.bucketKeys(rows[i].key) {
            var list = buckets[k] ?? []
            list.insert(Int32(i), at: insertionPoint(list) { Int($0) })
            buckets[k] = list
        }
    }

    /// Builds the display order and the buckets if they are not built (at
    /// the first search, or ahead of it: `Vault.warmUp`).
    func prepare() {
        guard orderIsStale else { return }
        order = rows.indices.sorted(by: precedes)
        // For each two-letter start of a word, the rows that have such a
        // word, in display order: a query with a two-letter prefix visits
        // only those.
        buckets = [:]
        for i in order {
            for k in Self.bucketKeys(rows[i].key) { buckets[k, default: []].append(Int32(i)) }
        }
        orderIsStale = false
    }

    var isPrepared: Bool { !orderIsStale }

    func search(_ query: PatientQuery, limit: Int) -> [PatientSummary] {
        if query.dateProblem != nil { return [] }
        prepare()
        let prefixes = query.prefixes.map { Array($0.utf8) }.filter { !$0.isEmpty }
        let day = query.birthDate?.dayNumber
        var out: [PatientSummary] = []
        // The smallest bucket among the prefixes' two-letter starts, else all.
        var candidates: [Int32]?
        for p in prefixes where p.count >= 2 {
            let list = buckets[UInt16(p[0]) << 8 | UInt16(p[1])] ?? []
            if candidates.map({ list.count < $0.count }) ?? true { candidates = list }
        }
        let visit: AnySequence<Int> = candidates.map { AnySequence($0.lazy.map { Int($0) }) } ?? AnySequence(order)
        for i in visit {
            let r = rows[i]
            if r.archived { continue }
            if let day, r.birthDay != day { continue }
            if let year = query.birthYear, r.birth?.year != year { continue }
            // The one name matcher (CabinetCore), on the row's bytes.
            if !prefixes.isEmpty && !r.key.withUnsafeBufferPointer({ query.matchesName($0) }) { continue }
            out.append(PatientSummary(id: r.id, displayName: r.name, birthDate: r.birth ?? CivilDate(Date()), sex: r.sex,
                                      flags: r.flags))
            if out.count >= limit { break }
        }
        return out
    }
}
