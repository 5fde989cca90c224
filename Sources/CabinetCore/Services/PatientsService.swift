import Foundation

/// The patient file's rules and access policy (PRODUCT.md "Patient file",
/// "Access and authentication"): every call checks the session's privilege
/// first, before anything reaches the store, then cleans and checks what
/// was typed, then asks the repository.
public struct PatientsService {
    public let session: Session
    let repository: any PatientRepository

    public init(session: Session, repository: any PatientRepository) {
        self.session = session
        self.repository = repository
    }

    func require(_ privilege: Privilege) throws { try AccessPolicy.check(session, privilege) }

    /// Whether this session sees clinical content at all.
    public var seesClinical: Bool { AccessPolicy.allows(session.role, .readClinical) }

    // MARK: Identity

    /// Creates a patient; throws `possibleDuplicate` when a patient with the
    /// same names and date of birth exists, unless `allowDuplicate`.
    public func add(_ raw: PatientIdentity, allowDuplicate: Bool = false, now: Date = Date()) throws -> Int64 {
        try require(.writeIdentity)
        let identity = try Self.checked(raw, now: now)
        if !allowDuplicate, let twin = try repository.duplicates(of: identity, excluding: nil).first {
            throw CabinetError.patients(.possibleDuplicate(id: twin))
        }
        return try repository.insert(identity, now: now)
    }

    /// A new version of the identity; the previous ones stay.
    public func update(_ id: Int64, _ raw: PatientIdentity, now: Date = Date()) throws {
        try require(.writeIdentity)
        try repository.update(id, try Self.checked(raw, now: now), now: now)
    }

    /// Creates (nil id) or updates; returns the id.
    public func save(_ id: Int64?, _ identity: PatientIdentity, allowDuplicate: Bool, now: Date = Date()) throws -> Int64 {
        guard let id else { return try add(identity, allowDuplicate: allowDuplicate, now: now) }
        try update(id, identity, now: now)
        return id
    }

    public func duplicates(of identity: PatientIdentity, excluding: Int64? = nil) throws -> [Int64] {
        try require(.readIdentity)
        return try repository.duplicates(of: identity.sanitized(), excluding: excluding)
    }

    /// The identity cleaned, or the first problem as `invalidField`.
    static func checked(_ raw: PatientIdentity, now: Date) throws -> PatientIdentity {
        let identity = raw.sanitized()
        if let p = identity.problems(today: CivilDate(now)).first {
            throw CabinetError.patients(.invalidField(field: p.field, key: p.key))
        }
        return identity
    }

    /// Opens a record's identity (logged).
    public func record(_ id: Int64) throws -> PatientRecord {
        try require(.readIdentity)
        return try repository.record(id)
    }

    /// Opens a record as the interface shows it (logged): the identity, the
    /// clinical entries in force for doctors, and the history.
    public func open(_ id: Int64, now: Date = Date()) throws -> OpenedRecord {
        try require(.readIdentity)
        return try repository.open(id, clinical: seesClinical, now: now)
    }

    public func identityVersions(_ id: Int64) throws -> [IdentityVersion] {
        try require(.readIdentity)
        return try repository.identityVersions(id)
    }

    /// Who changed what and when: identity versions, and for doctors the
    /// clinical entries and corrections. Never the content.
    public func history(_ id: Int64) throws -> [HistoryLine] {
        let versions = try identityVersions(id)
        var lines: [HistoryLine] = []
        for (i, v) in versions.enumerated() {
            let detail = i == 0 ? "created" : versions[i - 1].identity.changedFields(to: v.identity).joined(separator: ", ")
            lines.append(HistoryLine(at: v.at, author: v.author, what: "identity", detail: detail, ref: .identity(version: v.version)))
        }
        if seesClinical { lines += try repository.clinicalHistory(id) }
        return lines.sorted(by: HistoryLine.chronological)
    }

    /// Deceased, legal hold, limited: facts a doctor records.
    public func setFlags(_ id: Int64, _ flags: PatientFlags) throws {
        try require(.writeClinical)
        try repository.setFlags(id, flags)
    }

    // MARK: Search

    /// Accent-, case- and hyphen-insensitive search by name prefixes, with
    /// an optional birth date; the best answers first (an exact last name
    /// before a compound one), name order kept within each rank. Only the
    /// first screenfuls are ranked: a keystroke stays cheap.
    public func search(_ text: String, limit: Int = 200) throws -> [PatientSummary] {
        try require(.readIdentity)
        let query = PatientQuery.parse(text)
        guard !query.isEmpty else { return [] }
        let found = try repository.search(query, limit: limit)
        let head = found.prefix(60)
        let ranks = head.map { query.rank(displayName: $0.displayName) }
        return head.indices.sorted { (ranks[$0], $0) < (ranks[$1], $1) }.map { found[$0] } + found.dropFirst(60)
    }

    public func count() throws -> Int {
        try require(.readIdentity)
        return try repository.count()
    }

    public func warmUp() throws {
        try require(.readIdentity)
        try repository.warmUp()
    }

    // MARK: Clinical

    /// Adds a clinical entry (or a correction of `supersedes`); doctors only.
    public func addEntry(patient: Int64, kind: ClinicalKind, occurredOn: CivilDate, fields: [String: String],
                         supersedes: Int64? = nil, now: Date = Date()) throws -> Int64 {
        try require(.writeClinical)
        return try repository.addEntry(patient: patient, kind: kind, occurredOn: occurredOn,
                                       fields: try Self.cleanFields(kind, fields), supersedes: supersedes, now: now)
    }

    /// The current entries of a record (corrections replace what they
    /// supersede), newest first; doctors only, logged.
    public func entries(patient: Int64, kind: ClinicalKind? = nil, includeSuperseded: Bool = false,
                        limit: Int = 10_000) throws -> [ClinicalEntry] {
        try require(.readClinical)
        return try repository.entries(patient: patient, kind: kind, includeSuperseded: includeSuperseded, limit: limit)
    }

    public func importDocument(patient: Int64, path: String, title: String, date: CivilDate, now: Date = Date()) throws -> Int64 {
        try require(.writeClinical)
        let clean = FieldText.sanitize(title, multiline: false, maxLength: ClinicalKind.document.maxLength("title")).text
        return try repository.importDocument(patient: patient, path: path, title: clean, date: date, now: now)
    }

    public func readDocument(entry: Int64) throws -> (title: String, mime: String, bytes: [UInt8]) {
        try require(.readClinical)
        return try repository.readDocument(entry: entry)
    }

    public func exportDocument(entry: Int64, to path: String) throws {
        try require(.exportRecords)
        try repository.exportDocument(entry: entry, to: path)
    }

    /// The fields of an entry cleaned (controls stripped, lengths enforced);
    /// an unknown field or an entry with nothing in it is refused.
    public static func cleanFields(_ kind: ClinicalKind, _ raw: [String: String]) throws -> [String: String] {
        var out: [String: String] = [:]
        for (name, value) in raw {
            guard kind.fields.contains(name) else { throw CabinetError.usage(key: "error.unknown_field") }
            let clean = FieldText.sanitize(value, multiline: kind.isMultiline(name), maxLength: kind.maxLength(name)).text
            if !clean.isEmpty { out[name] = clean }
        }
        if out.isEmpty { throw CabinetError.usage(key: "error.empty_entry") }
        return out
    }
}

extension PatientIdentity {
    /// The names of the fields that differ from `other` (the history and
    /// the trail name them, never their values).
    public func changedFields(to b: PatientIdentity) -> [String] {
        let a = self
        var out: [String] = []
        func cmp(_ name: String, _ x: String, _ y: String) { if x != y { out.append(name) } }
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
}
