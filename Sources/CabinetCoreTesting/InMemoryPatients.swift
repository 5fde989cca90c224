import CabinetCore
import Foundation

/// The patient file in memory: identities with their versions, flags,
/// clinical entries (a correction supersedes, nothing is erased), documents
/// as bytes, and the search over the same Core matcher the store's index
/// calls. It checks what the store checks (a record that exists, a limited
/// record, the entry a correction names) and logs what it logs; it
/// sanitises and validates nothing (the service does).
public final class InMemoryPatients: PatientRepository {
    /// A patient as kept.
    public struct StoredPatient: Sendable, Equatable {
        public let id: Int64
        /// Every version, oldest first (version n at index n - 1).
        public internal(set) var versions: [IdentityVersion]
        public internal(set) var flags: PatientFlags
        public let createdAt: Date
        public let createdBy: String
        /// The last day of care (consultation, vitals, document), for retention.
        public internal(set) var lastCareOn: CivilDate?

        /// The current identity.
        public var identity: PatientIdentity { versions[versions.count - 1].identity }
        public var version: Int { versions.count }
        public var record: PatientRecord {
            PatientRecord(id: id, identity: identity, flags: flags, version: version, createdAt: createdAt, createdBy: createdBy)
        }
    }

    /// A document's content, as kept beside its entry.
    public struct StoredDocument: Sendable, Equatable {
        public let patient: Int64
        public let title: String
        public let mime: String
        public let bytes: [UInt8]
    }

    /// The store's largest document.
    public static let documentMaxBytes = 20 * 1024 * 1024

    public private(set) var patients: [Int64: StoredPatient] = [:]
    /// Every clinical entry, corrections included, by id.
    public private(set) var clinical: [Int64: ClinicalEntry] = [:]
    public private(set) var documents: [Int64: StoredDocument] = [:]
    /// What `importDocument` reads, by path (in place of the disk).
    public var files: [String: [UInt8]] = [:]
    /// What `exportDocument` wrote, by path.
    public private(set) var exported: [String: [UInt8]] = [:]
    /// The protocol calls received, in order: the method's name, and for
    /// `open` whether clinical content was asked: "open(clinical: false)".
    public private(set) var calls: [String] = []
    public let audit: InMemoryAudit
    private var nextPatient: Int64 = 1
    private var nextEntry: Int64 = 1

    public init(audit: InMemoryAudit) {
        self.audit = audit
    }

    public func clearCalls() { calls.removeAll() }

    /// The current identity of a patient, as kept.
    public func identity(_ id: Int64) -> PatientIdentity? { patients[id]?.identity }

    /// Every clinical entry kept, corrections included, oldest id first.
    public func keptEntries() -> [ClinicalEntry] { clinical.values.sorted { $0.id < $1.id } }

    /// Adds a patient as if created earlier (not a call, not logged): its
    /// first version, by `author` at `at` (the trail's time when nil), with
    /// `flags`. Takes the next id unless given one; later ones come after.
    @discardableResult
    public func seed(_ identity: PatientIdentity, id: Int64? = nil, flags: PatientFlags = PatientFlags(), at: Date? = nil,
                     by author: String = "install") -> Int64 {
        let id = id ?? nextPatient
        nextPatient = max(nextPatient, id + 1)
        let at = at ?? audit.now
        patients[id] = StoredPatient(id: id, versions: [IdentityVersion(version: 1, at: at, author: author, identity: identity)],
                                     flags: flags, createdAt: at, createdBy: author, lastCareOn: nil)
        return id
    }

    /// Adds a clinical entry as if written earlier (not a call, not logged),
    /// with its own id, author and time; a document's content with it.
    /// Later entries are numbered after it.
    public func seed(_ entry: ClinicalEntry, document: (mime: String, bytes: [UInt8])? = nil) {
        clinical[entry.id] = entry
        nextEntry = max(nextEntry, entry.id + 1)
        if entry.kind == .consultation || entry.kind == .vitals || entry.kind == .document, var p = patients[entry.patientID] {
            p.lastCareOn = max(p.lastCareOn ?? entry.occurredOn, entry.occurredOn)
            patients[entry.patientID] = p
        }
        if let document {
            documents[entry.id] = StoredDocument(patient: entry.patientID, title: entry.fields["title"] ?? "", mime: document.mime,
                                                 bytes: document.bytes)
        }
    }

    private func stored(_ id: Int64) throws -> StoredPatient {
        guard let p = patients[id] else { throw CabinetError.patients(.notFound(id: id)) }
        return p
    }

    private func requireWritable(_ id: Int64) throws {
        if try stored(id).flags.limited { throw CabinetError.patients(.recordLimited) }
    }

    // MARK: Identity

    public func insert(_ identity: PatientIdentity, now: Date) throws -> Int64 {
        calls.append("insert")
        let id = nextPatient
        nextPatient += 1
        patients[id] = StoredPatient(id: id, versions: [IdentityVersion(version: 1, at: now, author: audit.actor, identity: identity)],
                                     flags: PatientFlags(), createdAt: now, createdBy: audit.actor, lastCareOn: nil)
        audit.log(.recordWritten, object: "patient:\(id)", detail: "identity.created", at: now)
        return id
    }

    /// Same search key (names) and date of birth, by id.
    public func duplicates(of identity: PatientIdentity, excluding: Int64?) throws -> [Int64] {
        calls.append("duplicates")
        let key = identity.searchKey
        return patients.values
            .filter { $0.id != excluding && $0.identity.searchKey == key && $0.identity.birthDate == identity.birthDate }
            .map(\.id).sorted()
    }

    public func update(_ id: Int64, _ identity: PatientIdentity, now: Date) throws {
        calls.append("update")
        var p = try stored(id)
        if p.flags.limited { throw CabinetError.patients(.recordLimited) }
        let changed = p.identity.changedFields(to: identity)
        guard !changed.isEmpty else { return }
        p.versions.append(IdentityVersion(version: p.version + 1, at: now, author: audit.actor, identity: identity))
        patients[id] = p
        audit.log(.recordWritten, object: "patient:\(id)", detail: "identity:" + changed.joined(separator: ","), at: now)
    }

    public func record(_ id: Int64) throws -> PatientRecord {
        calls.append("record")
        let p = try stored(id)
        audit.log(.recordOpened, object: "patient:\(id)", detail: "identity")
        return p.record
    }

    public func open(_ id: Int64, clinical withClinical: Bool, now: Date) throws -> OpenedRecord {
        calls.append("open(clinical: \(withClinical))")
        let p = try stored(id)
        var history: [HistoryLine] = []
        var versions: [Int: PatientIdentity] = [:]
        for (i, v) in p.versions.enumerated() {
            let detail = i == 0 ? "created" : p.versions[i - 1].identity.changedFields(to: v.identity).joined(separator: ", ")
            history.append(HistoryLine(at: v.at, author: v.author, what: "identity", detail: detail, ref: .identity(version: v.version)))
            versions[v.version] = v.identity
        }
        var inForce: [ClinicalEntry] = []
        var corrected: [ClinicalEntry] = []
        if withClinical {
            let all = Self.newestFirst(clinical.values.filter { $0.patientID == id })
            let superseded = Set(all.compactMap(\.supersedes))
            for e in all {
                history.append(Self.historyLine(e))
                if superseded.contains(e.id) { corrected.append(e) } else { inForce.append(e) }
            }
        }
        audit.log(.recordOpened, object: "patient:\(id)", detail: "identity", at: now)
        if withClinical { audit.log(.recordOpened, object: "patient:\(id)", detail: "clinical", at: now) }
        return OpenedRecord(record: p.record, entries: inForce, history: history.sorted(by: HistoryLine.chronological),
                            versions: versions, superseded: corrected)
    }

    /// Oldest first; none for an unknown patient (as the store).
    public func identityVersions(_ id: Int64) throws -> [IdentityVersion] {
        calls.append("identityVersions")
        return patients[id]?.versions ?? []
    }

    public func clinicalHistory(_ id: Int64) throws -> [HistoryLine] {
        calls.append("clinicalHistory")
        return clinical.values.filter { $0.patientID == id }.sorted { $0.id < $1.id }.map(Self.historyLine)
    }

    public func setFlags(_ id: Int64, _ flags: PatientFlags) throws {
        calls.append("setFlags")
        var p = try stored(id)
        p.flags = flags
        patients[id] = p
        audit.log(.recordWritten, object: "patient:\(id)",
                  detail: "flags:deceased=\(flags.deceasedOn != nil),hold=\(flags.legalHold),limited=\(flags.limited)")
    }

    // MARK: Search

    /// Every patient the query matches (the Core matcher: names and date or
    /// year of birth), in display order (name, date of birth, arrival), at
    /// most `limit`; not ranked (the service ranks).
    public func search(_ query: PatientQuery, limit: Int) throws -> [PatientSummary] {
        calls.append("search")
        return Array(displayOrder()
            .filter { query.matches($0.identity.searchKey, birthDate: $0.identity.birthDate) }
            .prefix(max(limit, 0))
            .map { PatientSummary(id: $0.id, displayName: $0.identity.displayName, birthDate: $0.identity.birthDate,
                                  sex: $0.identity.sex, flags: $0.flags) })
    }

    /// The patients in the store's display order.
    public func displayOrder() -> [StoredPatient] {
        patients.values.sorted { a, b in
            let na = a.identity.displayName, nb = b.identity.displayName
            if na != nb { return na < nb }
            let da = a.identity.birthDate, db = b.identity.birthDate
            return da != db ? da < db : a.id < b.id
        }
    }

    public func count() throws -> Int {
        calls.append("count")
        return patients.count
    }

    public func warmUp() throws {
        calls.append("warmUp")
    }

    // MARK: Clinical

    public func addEntry(patient: Int64, kind: ClinicalKind, occurredOn: CivilDate, fields: [String: String],
                         supersedes: Int64?, now: Date) throws -> Int64 {
        calls.append("addEntry")
        return try insertEntry(patient: patient, kind: kind, occurredOn: occurredOn, fields: fields, supersedes: supersedes, now: now)
    }

    private func insertEntry(patient: Int64, kind: ClinicalKind, occurredOn: CivilDate, fields: [String: String],
                             supersedes: Int64?, now: Date) throws -> Int64 {
        try requireWritable(patient)
        if let supersedes {
            // The entry corrected: of the same patient and the same kind.
            guard let old = clinical[supersedes], old.patientID == patient, old.kind == kind else {
                throw CabinetError.patients(.entryNotFound(id: supersedes))
            }
        }
        let id = nextEntry
        nextEntry += 1
        clinical[id] = ClinicalEntry(id: id, patientID: patient, kind: kind, occurredOn: occurredOn, author: audit.actor, at: now,
                                     supersedes: supersedes, fields: fields)
        if kind == .consultation || kind == .vitals || kind == .document, var p = patients[patient] {
            p.lastCareOn = max(p.lastCareOn ?? occurredOn, occurredOn)
            patients[patient] = p
        }
        audit.log(.recordWritten, object: "patient:\(patient)",
                  detail: "clinical:\(kind.rawValue)\(supersedes == nil ? "" : ":correction")", at: now)
        return id
    }

    public func entries(patient: Int64, kind: ClinicalKind?, includeSuperseded: Bool, limit: Int) throws -> [ClinicalEntry] {
        calls.append("entries")
        _ = try stored(patient)
        let all = clinical.values.filter { $0.patientID == patient }
        let superseded = Set(all.compactMap(\.supersedes))
        let found = Self.newestFirst(all.filter { (kind == nil || $0.kind == kind) && (includeSuperseded || !superseded.contains($0.id)) })
        audit.log(.recordOpened, object: "patient:\(patient)", detail: "clinical" + (kind.map { ":" + $0.rawValue } ?? ""))
        return Array(found.prefix(max(limit, 0)))
    }

    /// Reads `files[path]` (ENOENT when absent) and files it as a document
    /// entry, as the store does with the disk.
    public func importDocument(patient: Int64, path: String, title: String, date: CivilDate, now: Date) throws -> Int64 {
        calls.append("importDocument")
        guard let bytes = files[path] else { throw CabinetError.vault(.io(path: path, errno: ENOENT)) }
        guard bytes.count <= Self.documentMaxBytes else {
            throw CabinetError.patients(.documentTooLarge(maxMegabytes: Self.documentMaxBytes / 1_048_576))
        }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let mime = Self.mime(bytes, name: name)
        // The store cleans these as any entry's fields.
        let fields = try PatientsService.cleanFields(.document, ["title": title, "filename": name, "mime": mime,
                                                                 "size": String(bytes.count)])
        let entry = try insertEntry(patient: patient, kind: .document, occurredOn: date, fields: fields, supersedes: nil, now: now)
        documents[entry] = StoredDocument(patient: patient, title: fields["title"] ?? "", mime: mime, bytes: bytes)
        return entry
    }

    public func readDocument(entry: Int64) throws -> (title: String, mime: String, bytes: [UInt8]) {
        calls.append("readDocument")
        guard let doc = documents[entry] else { throw CabinetError.patients(.entryNotFound(id: entry)) }
        audit.log(.recordOpened, object: "patient:\(doc.patient)", detail: "document:\(entry)")
        return (doc.title, doc.mime, doc.bytes)
    }

    /// Writes into `exported` (a path already written: EEXIST, as O_EXCL).
    public func exportDocument(entry: Int64, to path: String) throws {
        calls.append("exportDocument")
        guard let doc = documents[entry] else { throw CabinetError.patients(.entryNotFound(id: entry)) }
        if exported[path] != nil || files[path] != nil { throw CabinetError.vault(.io(path: path, errno: EEXIST)) }
        exported[path] = doc.bytes
        audit.log(.export, object: "patient:\(doc.patient)", detail: "document:\(entry)")
    }

    // MARK: Helpers

    static func newestFirst(_ entries: [ClinicalEntry]) -> [ClinicalEntry] {
        entries.sorted { $0.occurredOn != $1.occurredOn ? $0.occurredOn > $1.occurredOn : $0.id > $1.id }
    }

    static func historyLine(_ e: ClinicalEntry) -> HistoryLine {
        HistoryLine(at: e.at, author: e.author, what: e.kind.rawValue, detail: e.supersedes == nil ? "new" : "correction",
                    ref: .entry(id: e.id))
    }

    /// The store's sniffing of a document's type.
    static func mime(_ bytes: [UInt8], name: String) -> String {
        let head = Array(bytes.prefix(8))
        if head.starts(with: Array("%PDF".utf8)) { return "application/pdf" }
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return "image/png" }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if name.lowercased().hasSuffix(".txt") { return "text/plain" }
        return "application/octet-stream"
    }
}
