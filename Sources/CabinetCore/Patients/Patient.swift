import Foundation

/// A patient's administrative identity: what care needs and nothing more
/// (../shared/seeds/002_d4f97852d99ed6fe.txt §5 a and e, l.94-98). Seen by
/// the doctors and the front desk; never clinical.
public struct PatientIdentity: Codable, Equatable, Sendable {
    public var birthName: String
    public var usedName: String
    /// As on the identity document, space-separated ("Jean-Pierre Marie").
    public var firstNames: String
    public var sex: Sex
    public var birthDate: CivilDate
    public var birthPlace: String
    public var addressLine1: String
    public var addressLine2: String
    public var postcode: String
    public var city: String
    public var phone: String
    public var mobile: String
    public var email: String
    public var profession: String
    /// INS (identité nationale de santé), optional, with its status.
    public var ins: String
    public var insStatus: INSStatus
    /// NIR, for billing; validated with its key.
    public var nir: String
    /// Lifestyle data may be recorded only with the patient's agreement
    /// (002 §5 f, l.99-100).
    public var lifestyleConsent: Bool

    public init(birthName: String, usedName: String = "", firstNames: String, sex: Sex, birthDate: CivilDate,
                birthPlace: String = "", addressLine1: String = "", addressLine2: String = "", postcode: String = "",
                city: String = "", phone: String = "", mobile: String = "", email: String = "", profession: String = "",
                ins: String = "", insStatus: INSStatus = .provisional, nir: String = "", lifestyleConsent: Bool = false) {
        self.birthName = birthName
        self.usedName = usedName
        self.firstNames = firstNames
        self.sex = sex
        self.birthDate = birthDate
        self.birthPlace = birthPlace
        self.addressLine1 = addressLine1
        self.addressLine2 = addressLine2
        self.postcode = postcode
        self.city = city
        self.phone = phone
        self.mobile = mobile
        self.email = email
        self.profession = profession
        self.ins = ins
        self.insStatus = insStatus
        self.nir = nir
        self.lifestyleConsent = lifestyleConsent
    }

    /// The name the practice calls the patient by: used name, else birth name.
    public var displayName: String {
        let last = usedName.isEmpty ? birthName : usedName
        return last.uppercased() + " " + firstNames
    }

    public var searchKey: PatientSearchKey {
        PatientSearchKey(birthName: birthName, usedName: usedName.isEmpty ? nil : usedName,
                         firstNames: firstNames.split(separator: " ").map(String.init))
    }

    /// Cleans every text field (controls and escape sequences stripped,
    /// lengths enforced, phones and NIR in their stored form).
    public func sanitized() -> PatientIdentity {
        var p = self
        func clean(_ s: String, _ f: PatientField) -> String { FieldText.sanitize(s, for: f).text }
        p.birthName = clean(birthName, .birthName)
        p.usedName = clean(usedName, .usedName)
        p.firstNames = clean(firstNames, .firstNames)
        p.birthPlace = clean(birthPlace, .birthPlace)
        p.addressLine1 = clean(addressLine1, .addressLine1)
        p.addressLine2 = clean(addressLine2, .addressLine2)
        p.postcode = clean(postcode, .postcode)
        p.city = clean(city, .city)
        p.phone = clean(phone, .phone)
        p.mobile = clean(mobile, .mobile)
        p.email = clean(email, .email)
        p.profession = clean(profession, .profession)
        p.ins = String(ins.filter { $0.isNumber || $0.isLetter }.prefix(15))
        p.nir = String(FieldText.sanitize(nir, multiline: false, maxLength: 30).text.filter { $0 != " " }).uppercased()
        if let n = try? PhoneNumber(p.phone) { p.phone = n.value }
        if let n = try? PhoneNumber(p.mobile) { p.mobile = n.value }
        return p
    }

    /// What is wrong with this identity, field by field (empty: valid).
    /// `today` bounds the date of birth.
    public func problems(today: CivilDate) -> [IdentityProblem] {
        var out: [IdentityProblem] = []
        if birthName.trimmingCharacters(in: .whitespaces).isEmpty { out.append(.init(field: "birth_name", key: "patient.error.birth_name")) }
        if firstNames.trimmingCharacters(in: .whitespaces).isEmpty { out.append(.init(field: "first_names", key: "patient.error.first_names")) }
        do { try FrenchDate.checkBirthDate(birthDate, today: today) } catch {
            out.append(.init(field: "birth_date", key: error.messageKey))
        }
        if !phone.isEmpty, let p = PhoneNumber.problem(in: phone) { out.append(.init(field: "phone", key: p.messageKey)) }
        if !mobile.isEmpty, let p = PhoneNumber.problem(in: mobile) { out.append(.init(field: "mobile", key: p.messageKey)) }
        if !email.isEmpty, let p = EmailAddress.problem(in: email) { out.append(.init(field: "email", key: p.messageKey)) }
        if !nir.isEmpty, let p = NIR.problem(in: nir) { out.append(.init(field: "nir", key: p.messageKey)) }
        if !ins.isEmpty && ins.count != 15 && ins.count != 13 { out.append(.init(field: "ins", key: "patient.error.ins")) }
        return out
    }

    /// Warnings that do not prevent saving (the NIR disagrees with the sex
    /// or the date of birth).
    public var warnings: [String] {
        guard !nir.isEmpty, let n = try? NIR(nir) else { return [] }
        return n.warnings(sex: sex, birthDate: birthDate).map(\.messageKey)
    }
}

/// One problem of an identity: the field and the catalogue key of the message.
public struct IdentityProblem: Sendable, Equatable {
    public let field: String
    public let key: String
    public init(field: String, key: String) {
        self.field = field
        self.key = key
    }
}

/// The status flags of a record, used by retention and rights requests.
public struct PatientFlags: Codable, Equatable, Sendable {
    public var deceasedOn: CivilDate?
    /// Legal hold: never archived nor purged while set.
    public var legalHold: Bool
    /// Limitation (GDPR art. 18): read-only, with a banner, while a
    /// contestation is checked.
    public var limited: Bool
    public init(deceasedOn: CivilDate? = nil, legalHold: Bool = false, limited: Bool = false) {
        self.deceasedOn = deceasedOn
        self.legalHold = legalHold
        self.limited = limited
    }
}

/// A line of a search result or a list: enough to tell homonyms apart.
public struct PatientSummary: Sendable, Equatable, Identifiable {
    public let id: Int64
    public let displayName: String
    public let birthDate: CivilDate
    public let sex: Sex
    public let flags: PatientFlags
    public init(id: Int64, displayName: String, birthDate: CivilDate, sex: Sex, flags: PatientFlags = PatientFlags()) {
        self.id = id
        self.displayName = displayName
        self.birthDate = birthDate
        self.sex = sex
        self.flags = flags
    }
}

/// A patient's record as opened: the current identity and its flags.
public struct PatientRecord: Sendable, Equatable {
    public let id: Int64
    public let identity: PatientIdentity
    public let flags: PatientFlags
    public let version: Int
    public let createdAt: Date
    public let createdBy: String
    public init(id: Int64, identity: PatientIdentity, flags: PatientFlags, version: Int, createdAt: Date, createdBy: String) {
        self.id = id
        self.identity = identity
        self.flags = flags
        self.version = version
        self.createdAt = createdAt
        self.createdBy = createdBy
    }
}

/// What kind of clinical entry (doctors only).
public enum ClinicalKind: String, Codable, Sendable, CaseIterable {
    case antecedent, allergy, treatment, consultation, vitals, document

    /// The fields an entry of this kind may hold, in display order; any
    /// other key is refused (free text is framed).
    public var fields: [String] {
        switch self {
        case .antecedent: return ["category", "label", "since"]
        case .allergy: return ["substance", "reaction"]
        case .treatment: return ["drug", "dosage", "since", "until"]
        case .consultation: return ["reason", "examination", "conclusion", "prescriptions"]
        case .vitals: return ["weight", "height", "systolic", "diastolic", "pulse", "temperature"]
        case .document: return ["title", "filename", "mime", "size"]
        }
    }

    /// The longest text accepted per field.
    public func maxLength(_ field: String) -> Int {
        switch field {
        case "examination", "conclusion": return PatientField.examination.maxLength
        case "prescriptions": return 20 * PatientField.prescriptionLine.maxLength
        case "reason": return PatientField.consultationReason.maxLength
        case "label", "substance", "reaction", "drug", "dosage": return 200
        case "title", "filename": return PatientField.documentTitle.maxLength
        default: return 40
        }
    }

    public func isMultiline(_ field: String) -> Bool {
        field == "examination" || field == "conclusion" || field == "prescriptions"
    }
}

/// One version of a clinical entry. A correction is a new entry that
/// supersedes the previous one; nothing is ever erased.
public struct ClinicalEntry: Sendable, Equatable, Identifiable {
    public let id: Int64
    public let patientID: Int64
    public let kind: ClinicalKind
    public let occurredOn: CivilDate
    public let author: String
    public let at: Date
    public let supersedes: Int64?
    public let fields: [String: String]
    public init(id: Int64, patientID: Int64, kind: ClinicalKind, occurredOn: CivilDate, author: String, at: Date,
                supersedes: Int64?, fields: [String: String]) {
        self.id = id
        self.patientID = patientID
        self.kind = kind
        self.occurredOn = occurredOn
        self.author = author
        self.at = at
        self.supersedes = supersedes
        self.fields = fields
    }
}

/// One line of a record's history: who changed what, when (never the
/// content itself, which the versions keep).
/// A document of the record as Cabinet shows it on screen: its text (a text
/// file, or a PDF's text), or a description when it has none to show (an
/// image). Held in memory only, never written anywhere.
public struct DocumentContent: Sendable, Equatable {
    public let title: String
    public let mime: String
    public let size: Int
    /// The text to read, or nil (an image, a format without text).
    public let text: String?
    public init(title: String, mime: String, size: Int, text: String?) {
        self.title = title
        self.mime = mime
        self.size = size
        self.text = text
    }
}

/// What a line of the history points at, to show it as it was.
public enum HistoryRef: Sendable, Equatable, Hashable, Codable {
    /// An identity version (its number).
    case identity(version: Int)
    /// A clinical entry (in force or corrected since).
    case entry(id: Int64)
}

public struct HistoryLine: Sendable, Equatable {
    public let at: Date
    public let author: String
    /// "identity" or a clinical kind.
    public let what: String
    /// The fields that changed (identity) or "new" / "correction".
    public let detail: String
    /// The version or entry the line is about.
    public let ref: HistoryRef?
    public init(at: Date, author: String, what: String, detail: String, ref: HistoryRef? = nil) {
        self.at = at
        self.author = author
        self.what = what
        self.detail = detail
        self.ref = ref
    }

    /// Oldest first; lines of the same instant in a fixed order (what, then
    /// detail, then author), so that every reader lists them alike.
    public static func chronological(_ a: HistoryLine, _ b: HistoryLine) -> Bool {
        if a.at != b.at { return a.at < b.at }
        return (a.what, a.detail, a.author) < (b.what, b.detail, b.author)
    }
}

/// Everything opening a record shows: the identity, the clinical entries in
/// force (doctors only; empty for the front desk) and the history.
public struct OpenedRecord: Sendable, Equatable {
    public let record: PatientRecord
    public let entries: [ClinicalEntry]
    public let history: [HistoryLine]
    /// Every identity version as it was, by number.
    public let versions: [Int: PatientIdentity]
    /// The clinical entries corrected since (doctors): a correction never
    /// erases the original, and the history shows it.
    public let superseded: [ClinicalEntry]
    public init(record: PatientRecord, entries: [ClinicalEntry], history: [HistoryLine],
                versions: [Int: PatientIdentity] = [:], superseded: [ClinicalEntry] = []) {
        self.record = record
        self.entries = entries
        self.history = history
        self.versions = versions
        self.superseded = superseded
    }
}
