import CSodium
import CabinetCore
import Foundation
import GRDB

/// The patient file's repository over the sealed database
/// (docs/SEALED-STORE.md "Patient file"): SQL, the sealing of clinical
/// fields (`ClinicalSeal`) and the search index (`PatientIndex`). Every
/// opening and every write goes to the audit trail, without any content.
/// The rules and the access policy are `PatientsService`'s; what this
/// layer enforces on its own is what the keys enforce: a session without
/// the clinical key cannot seal or open clinical content.
final class SQLPatientRepository: PatientRepository {
    let vault: Vault

    init(vault: Vault) { self.vault = vault }

    private func read<T>(_ body: (Database) throws -> T) throws -> T { try vault.read(body) }
    private func write<T>(_ body: (Database) throws -> T) throws -> T { try vault.write(body) }

    /// The clinical key, or `permissionDenied` for a session without one.
    private func clinicalKey(_ privilege: Privilege) throws -> SecureBytes {
        guard let ck = vault.clinicalKeyForSealing else { throw CabinetError.permissionDenied(operation: privilege.rawValue) }
        return ck
    }

    // MARK: - Identity

    func insert(_ identity: PatientIdentity, now: Date) throws -> Int64 {
        let json = try Self.encode(identity)
        let appender = try vault.auditAppender(), actor = appender.actor
        return try write { db in
            let seq = try ChangeNumbers.nextPatient(db)
            try db.execute(sql: """
                INSERT INTO patient(version, search_key, birth_date, display_name, sex, created_at, created_by, change_seq)
                VALUES (1, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [identity.searchKey.value, identity.birthDate.iso, identity.displayName,
                                 identity.sex.rawValue, AuditLog.timestamp(now), actor, seq])
            let id = db.lastInsertedRowID
            try db.execute(sql: "INSERT INTO patient_version(patient_id, version, at, author, identity) VALUES (?, 1, ?, ?, ?)",
                           arguments: [id, AuditLog.timestamp(now), actor, json])
            try appender.append(db, .recordWritten, object: "patient:\(id)", detail: "identity.created")
            return id
        }
    }

    func duplicates(of identity: PatientIdentity, excluding: Int64?) throws -> [Int64] {
        let key = identity.searchKey.value
        return try read { db in
            try Int64.fetchAll(db, sql: "SELECT id FROM patient WHERE search_key = ? AND birth_date = ? AND id IS NOT ?",
                               arguments: [key, identity.birthDate.iso, excluding])
        }
    }

    func update(_ id: Int64, _ identity: PatientIdentity, now: Date) throws {
        let json = try Self.encode(identity)
        let appender = try vault.auditAppender(), actor = appender.actor
        try write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT version, limited FROM patient WHERE id = ?", arguments: [id])
            else { throw CabinetError.patients(.notFound(id: id)) }
            if (row["limited"] as Int) != 0 { throw CabinetError.patients(.recordLimited) }
            let previous = try Self.identity(db, id: id, version: row["version"])
            let changed = previous.changedFields(to: identity)
            guard !changed.isEmpty else { return }
            let version = (row["version"] as Int) + 1
            let seq = try ChangeNumbers.nextPatient(db)
            try db.execute(sql: "INSERT INTO patient_version(patient_id, version, at, author, identity) VALUES (?, ?, ?, ?, ?)",
                           arguments: [id, version, AuditLog.timestamp(now), actor, json])
            try db.execute(sql: """
                UPDATE patient SET version = ?, search_key = ?, birth_date = ?, display_name = ?, sex = ?, change_seq = ?
                WHERE id = ?
                """, arguments: [version, identity.searchKey.value, identity.birthDate.iso, identity.displayName,
                                 identity.sex.rawValue, seq, id])
            try appender.append(db, .recordWritten, object: "patient:\(id)",
                                detail: "identity:" + changed.joined(separator: ","))
        }
    }

    func record(_ id: Int64) throws -> PatientRecord {
        let appender = try vault.auditAppender()
        return try write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM patient WHERE id = ?", arguments: [id])
            else { throw CabinetError.patients(.notFound(id: id)) }
            let identity = try Self.identity(db, id: id, version: row["version"])
            try appender.append(db, .recordOpened, object: "patient:\(id)", detail: "identity")
            return PatientRecord(id: id, identity: identity, flags: Self.flags(row), version: row["version"],
                                 createdAt: AuditLog.date(row["created_at"]), createdBy: row["created_by"])
        }
    }

    /// Read and logged in one transaction (one commit, whatever the record
    /// holds); the trace of the opening is written before anything is
    /// returned (access logging: ../shared/seeds/002_d4f97852d99ed6fe.txt
    /// l.267, ../shared/seeds/000_8e655f28ba827d0f.txt l.1423-1429).
    func open(_ id: Int64, clinical wantsClinical: Bool, now: Date) throws -> OpenedRecord {
        let clinical = wantsClinical ? try clinicalKey(.readClinical) : nil
        let appender = try vault.auditAppender(), actor = appender.actor
        return try write { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT version, deceased_on, legal_hold, limited, created_at, created_by FROM patient WHERE id = ?
                """), arguments: [id])
            else { throw CabinetError.patients(.notFound(id: id)) }
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
                let detail = previous.map { $0.changedFields(to: this).joined(separator: ", ") } ?? "created"
                history.append(HistoryLine(at: AuditLog.date(v[1]), author: v[2], what: "identity", detail: detail,
                                           ref: .identity(version: v[0])))
                allVersions[v[0] as Int] = this
                if (v[0] as Int) == version { identity = this }
                previous = this
            }
            guard let identity else { throw CabinetError.patients(.notFound(id: id)) }
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
                           \(Vault.clinicalColumns) FROM clinical_entry
                    WHERE patient_id = ? ORDER BY occurred_on DESC, id DESC
                    """), arguments: [id])
                while let r = try rows.next() {
                    try Vault.checkClinicalRow(r, key: rowKey, offset: 8)
                    let raw = Raw(id: r[0], kind: ClinicalKind(rawValue: r[1]) ?? .consultation, occurredOn: r[2], supersedes: r[3],
                                  at: AuditLog.date(r[4]), author: r[5], uid: [UInt8](r[6] as Data), sealed: [UInt8](r[7] as Data))
                    if let s = raw.supersedes { superseded.insert(s) }
                    history.append(HistoryLine(at: raw.at, author: raw.author, what: raw.kind.rawValue,
                                               detail: raw.supersedes == nil ? "new" : "correction", ref: .entry(id: raw.id)))
                    raws.append(raw)
                }
                for raw in raws {
                    guard let fields = ClinicalSeal.openFields(raw.sealed, kind: raw.kind, uid: raw.uid, key: ck) else {
                        throw ClinicalSeal.unopenable(id: raw.id, raw.sealed, kind: raw.kind, uid: raw.uid, key: ck)
                    }
                    let entry = ClinicalEntry(id: raw.id, patientID: id, kind: raw.kind,
                                              occurredOn: CivilDate(iso: raw.occurredOn) ?? CivilDate(now), author: raw.author,
                                              at: raw.at, supersedes: raw.supersedes, fields: fields)
                    // The corrected ones too: the history shows them as they were.
                    if superseded.contains(raw.id) { corrected.append(entry) } else { entries.append(entry) }
                }
            }
            try appender.append(db, .recordOpened, object: "patient:\(id)", detail: "identity")
            if clinical != nil {
                try appender.append(db, .recordOpened, object: "patient:\(id)", detail: "clinical")
            }
            let record = PatientRecord(id: id, identity: identity, flags: Self.flags(row), version: version,
                                       createdAt: AuditLog.date(row[4]), createdBy: row[5])
            return OpenedRecord(record: record, entries: entries, history: history.sorted(by: HistoryLine.chronological),
                                versions: allVersions, superseded: corrected)
        }
    }

    func identityVersions(_ id: Int64) throws -> [IdentityVersion] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM patient_version WHERE patient_id = ? ORDER BY version", arguments: [id]).map {
                IdentityVersion(version: $0["version"], at: AuditLog.date($0["at"]), author: $0["author"],
                                identity: try JSONDecoder().decode(PatientIdentity.self, from: Data(($0["identity"] as String).utf8)))
            }
        }
    }

    func clinicalHistory(_ id: Int64) throws -> [HistoryLine] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT id, kind, at, author, supersedes FROM clinical_entry WHERE patient_id = ?",
                             arguments: [id]).map { r in
                HistoryLine(at: AuditLog.date(r["at"]), author: r["author"], what: r["kind"],
                            detail: (r["supersedes"] as Int64?) == nil ? "new" : "correction", ref: .entry(id: r["id"]))
            }
        }
    }

    func setFlags(_ id: Int64, _ flags: PatientFlags) throws {
        let appender = try vault.auditAppender()
        try write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM patient WHERE id = ?", arguments: [id]) != nil
            else { throw CabinetError.patients(.notFound(id: id)) }
            let seq = try ChangeNumbers.nextPatient(db)
            try db.execute(sql: "UPDATE patient SET deceased_on = ?, legal_hold = ?, limited = ?, change_seq = ? WHERE id = ?",
                           arguments: [flags.deceasedOn?.iso, flags.legalHold ? 1 : 0, flags.limited ? 1 : 0, seq, id])
            try appender.append(db, .recordWritten, object: "patient:\(id)",
                                detail: "flags:deceased=\(flags.deceasedOn != nil),hold=\(flags.legalHold),limited=\(flags.limited)")
        }
    }

    // MARK: - Search

    func search(_ query: PatientQuery, limit: Int) throws -> [PatientSummary] {
        try index().search(query, limit: limit)
    }

    func count() throws -> Int { try index().count }

    /// Loads and orders the search index ahead of the first search: the
    /// interface calls it once the first screen after sign-in is drawn, so
    /// that the first letter typed in a search does not wait for it.
    func warmUp() throws { try index().prepare() }

    /// The in-memory search index, brought up to date with what any desk
    /// changed since (rows whose change number is newer).
    func index() throws -> PatientIndex {
        let index = vault.patientIndexStorage
        try read { db in try index.catchUp(db) }
        return index
    }

    // MARK: - Clinical entries

    func addEntry(patient id: Int64, kind: ClinicalKind, occurredOn: CivilDate, fields: [String: String],
                  supersedes: Int64?, now: Date) throws -> Int64 {
        let ck = try clinicalKey(.writeClinical)
        let uid = randomBytes(16)
        let sealed = ClinicalSeal.sealFields(fields, kind: kind, uid: uid, key: ck)
        let appender = try vault.auditAppender(), actor = appender.actor
        return try write { db in
            try Self.requireWritable(db, id)
            if let supersedes {
                guard try Bool.fetchOne(db, sql: "SELECT 1 FROM clinical_entry WHERE id = ? AND patient_id = ? AND kind = ?",
                                        arguments: [supersedes, id, kind.rawValue]) != nil
                else { throw CabinetError.patients(.entryNotFound(id: supersedes)) }
            }
            // The id is chosen here so that the row's MAC can cover it.
            let entry = (try Int64.fetchOne(db, sql: "SELECT max(id) FROM clinical_entry") ?? 0) + 1
            let at = AuditLog.timestamp(now)
            let mac = Vault.clinicalRowMAC(ClinicalSubKey.row.derive(from: ck), id: entry, uid: uid, patient: id,
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
            try appender.append(db, .recordWritten, object: "patient:\(id)",
                                detail: "clinical:\(kind.rawValue)\(supersedes == nil ? "" : ":correction")")
            return entry
        }
    }

    func entries(patient id: Int64, kind: ClinicalKind?, includeSuperseded: Bool, limit: Int) throws -> [ClinicalEntry] {
        let ck = try clinicalKey(.readClinical)
        let appender = try vault.auditAppender(), actor = appender.actor
        return try write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM patient WHERE id = ?", arguments: [id]) != nil
            else { throw CabinetError.patients(.notFound(id: id)) }
            // Every row of the patient is authenticated (all its columns)
            // before a correction link is followed: a forged row cannot hide
            // the entry it claims to correct (Trust.swift).
            let rowKey = ClinicalSubKey.row.derive(from: ck)
            let all = try Row.fetchAll(db, sql: "SELECT \(Vault.clinicalColumns) FROM clinical_entry WHERE patient_id = ?",
                                       arguments: [id])
            var superseded: Set<Int64> = []
            for r in all {
                try Vault.checkClinicalRow(r, key: rowKey)
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
                guard let fields = ClinicalSeal.openFields(sealed, kind: k, uid: uid, key: ck) else {
                    throw ClinicalSeal.unopenable(id: r["id"], sealed, kind: k, uid: uid, key: ck)
                }
                return ClinicalEntry(id: r["id"], patientID: id, kind: k, occurredOn: CivilDate(iso: r["occurred_on"]) ?? CivilDate(Date()),
                                     author: r["author"], at: AuditLog.date(r["at"]), supersedes: r["supersedes"], fields: fields)
            }
            try appender.append(db, .recordOpened, object: "patient:\(id)",
                                detail: "clinical" + (kind.map { ":" + $0.rawValue } ?? ""))
            return entries
        }
    }

    // MARK: - Documents

    func importDocument(patient id: Int64, path: String, title: String, date: CivilDate, now: Date) throws -> Int64 {
        let ck = try clinicalKey(.writeClinical)
        var st = stat()
        guard stat(path, &st) == 0 else { throw CabinetError.vault(.io(path: path, errno: errno)) }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw CabinetError.vault(.isDirectory(path: path)) }
        guard Int(st.st_size) <= ClinicalSeal.documentMaxBytes else {
            throw CabinetError.patients(.documentTooLarge(maxMegabytes: ClinicalSeal.documentMaxBytes / 1_048_576))
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CabinetError.vault(.io(path: path, errno: EACCES)) }
        defer { try? handle.close() }
        let data = try handle.readToEnd() ?? Data()
        guard data.count <= ClinicalSeal.documentMaxBytes else {
            throw CabinetError.patients(.documentTooLarge(maxMegabytes: ClinicalSeal.documentMaxBytes / 1_048_576))
        }
        let name = PathNames.name(path)
        // Core's rule cleans what the store adds (the file's name) as it
        // cleaned what was typed.
        let fields = try PatientsService.cleanFields(.document, ["title": title, "filename": name,
                                                                 "mime": ClinicalSeal.mime(data, name: name),
                                                                 "size": String(data.count)])
        let entry = try addEntry(patient: id, kind: .document, occurredOn: date, fields: fields, supersedes: nil, now: now)
        let uid = try read { db in try Data.fetchOne(db, sql: "SELECT uid FROM clinical_entry WHERE id = ?", arguments: [entry]) } ?? Data()
        let sealed = ClinicalSeal.sealData([UInt8](data), key: ck, ad: Array("cabinet-document-v1".utf8) + [UInt8](uid))
        try write { db in
            try db.execute(sql: "INSERT INTO document_blob(entry_id, sealed) VALUES (?, ?)", arguments: [entry, Data(sealed)])
        }
        return entry
    }

    /// A document entry and its blob, both authenticated: the entry's row
    /// (all its columns), the blob bound to the entry's uid (one swapped

    private func openDocument(_ entry: Int64, key ck: SecureBytes) throws
        -> (patient: Int64, fields: [String: String], bytes: [UInt8]) {
        let row = try read { db in
            try Row.fetchOne(db, sql: """
                SELECT c.uid, c.patient_id, b.sealed, \(Vault.clinicalColumns.split(separator: ",").map { "c." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", "))
                FROM clinical_entry c JOIN document_blob b ON b.entry_id = c.id WHERE c.id = ?
                """, arguments: [entry])
        }
        guard let row else { throw CabinetError.patients(.entryNotFound(id: entry)) }
        try Vault.checkClinicalRow(row, key: ClinicalSubKey.row.derive(from: ck), offset: 3)
        let uid = [UInt8](row[0] as Data)
        // Column 2 is the document's blob, column 11 the entry's sealed fields.
        guard let plain = ClinicalSeal.openData([UInt8](row[2] as Data), key: ck, ad: Array("cabinet-document-v1".utf8) + uid),
              let fields = ClinicalSeal.openFields([UInt8](row[11] as Data), kind: .document, uid: uid, key: ck)
        else { throw CabinetError.integrity(.tampered(.clinicalEntry(id: entry))) }
        return (row[1], fields, plain)
    }

    /// A document's bytes, its title and type, to be shown inside Cabinet

    func readDocument(entry: Int64) throws -> (title: String, mime: String, bytes: [UInt8]) {
        let ck = try clinicalKey(.readClinical)
        let (patient, fields, plain) = try openDocument(entry, key: ck)
        try vault.audit(.recordOpened, object: "patient:\(patient)", detail: "document:\(entry)")
        return (fields["title"] ?? "", fields["mime"] ?? "application/octet-stream", plain)
    }

    func exportDocument(entry: Int64, to path: String) throws {
        let ck = try clinicalKey(.exportRecords)
        let (patient, _, plain) = try openDocument(entry, key: ck)
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CabinetError.vault(.io(path: path, errno: errno)) }
        defer { close(fd) }
        var off = 0
        while off < plain.count {
            let n = plain[off...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 { let e = errno; unlink(path); throw e == ENOSPC ? CabinetError.vault(.diskFull) : CabinetError.vault(.io(path: path, errno: e)) }
            off += n
        }
        try vault.audit(.export, object: "patient:\(patient)", detail: "document:\(entry)")
    }

    // MARK: - Helpers

    static func encode(_ identity: PatientIdentity) throws -> String { try StoredIdentity.encode(identity) }

    static func identity(_ db: Database, id: Int64, version: Int) throws -> PatientIdentity {
        guard let json = try String.fetchOne(db, sql: "SELECT identity FROM patient_version WHERE patient_id = ? AND version = ?",
                                             arguments: [id, version])
        else { throw CabinetError.patients(.notFound(id: id)) }
        return try JSONDecoder().decode(PatientIdentity.self, from: Data(json.utf8))
    }

    static func flags(_ row: Row) -> PatientFlags {
        PatientFlags(deceasedOn: (row["deceased_on"] as String?).flatMap(CivilDate.init(iso:)),
                     legalHold: (row["legal_hold"] as Int) != 0, limited: (row["limited"] as Int) != 0)
    }

    static func requireWritable(_ db: Database, _ id: Int64) throws {
        guard let limited = try Int.fetchOne(db, sql: "SELECT limited FROM patient WHERE id = ?", arguments: [id])
        else { throw CabinetError.patients(.notFound(id: id)) }
        if limited != 0 { throw CabinetError.patients(.recordLimited) }
    }
}

/// An identity version as stored (`patient_version.identity`): JSON with
/// sorted keys. Shared with the demo's bulk filler (CabinetDemo).
package enum StoredIdentity {
    package static func encode(_ identity: PatientIdentity) throws -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        return String(decoding: try enc.encode(identity), as: UTF8.self)
    }
}
