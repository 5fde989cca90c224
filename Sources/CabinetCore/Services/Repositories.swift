import Foundation

// The store's side of each area, as Core sees it. A repository fetches,
// writes, seals and appends to the audit trail; it decides nothing. The
// rules and the access policy are in the services (`PatientsService`,
// `AgendaService`, `AccountsService`, `AuditService`), which are the only
// callers: the front ends never hold a repository.
//
// Confidentiality does not rest on this layer: a front-desk session's
// repository has no clinical key at all (docs/SEALED-STORE.md), whatever
// is asked of it. The services' checks are the policy users meet; the keys
// are what an insider with her own program meets.

/// The patient file: identities, clinical entries, documents, the index.
public protocol PatientRepository: AnyObject {
    /// Inserts a new identity (version 1); logs it.
    func insert(_ identity: PatientIdentity, now: Date) throws -> Int64
    /// Patients with the same names and date of birth.
    func duplicates(of identity: PatientIdentity, excluding: Int64?) throws -> [Int64]
    /// A new version when anything changed (`PatientIdentity.changedFields`);
    /// refuses a limited record; logs the fields changed.
    func update(_ id: Int64, _ identity: PatientIdentity, now: Date) throws
    /// The current identity; the opening is logged.
    func record(_ id: Int64) throws -> PatientRecord
    /// Identity, history and, with `clinical`, the entries in force, read and
    /// logged in one transaction.
    func open(_ id: Int64, clinical: Bool, now: Date) throws -> OpenedRecord
    func identityVersions(_ id: Int64) throws -> [IdentityVersion]
    /// Clinical entries and corrections of a record, without their content.
    func clinicalHistory(_ id: Int64) throws -> [HistoryLine]
    func setFlags(_ id: Int64, _ flags: PatientFlags) throws
    /// Patients in the active base whose names and birth date match
    /// (`PatientQuery`'s matcher), in name order (not ranked); archived
    /// records are not searched here.
    func search(_ query: PatientQuery, limit: Int) throws -> [PatientSummary]
    func count() throws -> Int
    /// Prepares the search index ahead of the first search.
    func warmUp() throws
    /// Seals and inserts a clinical entry (fields already clean); moves the
    /// last care for care kinds; logs it.
    func addEntry(patient: Int64, kind: ClinicalKind, occurredOn: CivilDate, fields: [String: String],
                  supersedes: Int64?, now: Date) throws -> Int64
    /// The entries of a record, newest first; logged.
    func entries(patient: Int64, kind: ClinicalKind?, includeSuperseded: Bool, limit: Int) throws -> [ClinicalEntry]
    /// Reads a file and files it sealed as a document entry.
    func importDocument(patient: Int64, path: String, title: String, date: CivilDate, now: Date) throws -> Int64
    /// A document's title, type and bytes; the opening is logged.
    func readDocument(entry: Int64) throws -> (title: String, mime: String, bytes: [UInt8])
    /// Writes a document in clear to a new file (0600); logged as an export.
    func exportDocument(entry: Int64, to path: String) throws
}

/// One version of an identity, as kept.
public struct IdentityVersion: Sendable, Equatable {
    public let version: Int
    public let at: Date
    public let author: String
    public let identity: PatientIdentity
    public init(version: Int, at: Date, author: String, identity: PatientIdentity) {
        self.version = version
        self.at = at
        self.author = author
        self.identity = identity
    }
}

/// The appointments, absences and opening hours of a span of time.
public struct AgendaSpan: Sendable {
    public var appointments: [Appointment]
    public var absences: [Absence]
    public var hours: OpeningHours
    public init(appointments: [Appointment], absences: [Absence], hours: OpeningHours) {
        self.appointments = appointments
        self.absences = absences
        self.hours = hours
    }
}

/// A patient as the agenda needs to know them when booking.
public struct BookingStanding: Sendable, Equatable {
    public let deceased: Bool
    public let archived: Bool
    public init(deceased: Bool, archived: Bool) {
        self.deceased = deceased
        self.archived = archived
    }
}

/// An appointment about to be written.
public struct NewAppointment: Sendable, Equatable {
    public let patient: Int64
    public let start: Date
    public let minutes: Int
    public let type: String
    public let reason: String
    public let forced: Bool
    public let now: Date
    public init(patient: Int64, start: Date, minutes: Int, type: String, reason: String, forced: Bool, now: Date) {
        self.patient = patient
        self.start = start
        self.minutes = minutes
        self.type = type
        self.reason = reason
        self.forced = forced
        self.now = now
    }
}

/// What the agenda's rules read, inside one transaction of the store.
public protocol AgendaReading {
    func openingHours() throws -> OpeningHours
    /// Absences overlapping [from, to).
    func absences(from: Date, to: Date) throws -> [Absence]
    /// Appointments starting in [from, to), every status, with names.
    func appointments(startingFrom from: Date, to: Date) throws -> [Appointment]
    /// What holds a slot starting in [from, to): not cancelled, no names.
    func slotBlockers(from: Date, to: Date) throws -> [Appointment]
    /// nil: no such patient.
    func standing(ofPatient id: Int64) throws -> BookingStanding?
    /// nil: no such appointment.
    func appointment(_ id: Int64) throws -> Appointment?
}

/// The same, under the write lock, with the writes a booking makes (each
/// bumps the agenda's change number and logs itself).
public protocol AgendaWriting: AgendaReading {
    func insert(_ appointment: NewAppointment, bookedBy: String) throws -> Int64
    func reschedule(_ id: Int64, patient: Int64, start: Date, minutes: Int) throws
}

/// The appointment book.
public protocol AgendaRepository: AnyObject {
    /// Runs `body` in one read snapshot.
    func reading<T>(_ body: (any AgendaReading) throws -> T) throws -> T
    /// Runs `body` holding the write lock from its first read to its last
    /// write (two desks booking one slot: one appointment, one conflict).
    func writing<T>(_ body: (any AgendaWriting) throws -> T) throws -> T
    func setOpeningHours(_ hours: OpeningHours) throws
    func addAbsence(from: Date, to: Date, label: String) throws -> Int64
    /// Throws `usage(error.absence_not_found)` when there is none.
    func removeAbsence(_ id: Int64) throws
    /// The appointments of [from, to) with names, the absences and the
    /// hours, in one snapshot.
    func span(from: Date, to: Date, includeCancelled: Bool) throws -> AgendaSpan
    /// Sets a status (arrival time, cancel reason) and logs it.
    func setStatus(_ id: Int64, _ status: AppointmentStatus, category: String, now: Date) throws
    /// Changes whenever any desk changes the agenda or a patient; throws
    /// `accountDisabled` once this session's account is gone.
    func changeToken() throws -> String
}

/// What the practice knows about an account (the key slot is in the envelope).
public struct AccountInfo: Sendable, Equatable {
    public let login: String
    public let role: Role
    public let displayName: String?
    public let createdAt: Date
    public let createdBy: String
    public let disabledAt: Date?
    public let hasSecondFactor: Bool
    public let lastSignIn: Date?
    /// The slot exists (an enabled account can sign in).
    public let hasSlot: Bool
    public let mustChangePassphrase: Bool
    public init(login: String, role: Role, displayName: String?, createdAt: Date, createdBy: String, disabledAt: Date?,
                hasSecondFactor: Bool, lastSignIn: Date?, hasSlot: Bool, mustChangePassphrase: Bool) {
        self.login = login
        self.role = role
        self.displayName = displayName
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.disabledAt = disabledAt
        self.hasSecondFactor = hasSecondFactor
        self.lastSignIn = lastSignIn
        self.hasSlot = hasSlot
        self.mustChangePassphrase = mustChangePassphrase
    }
}

/// A second factor being enrolled: shown once, confirmed with one code.
public struct SecondFactorEnrollment: Sendable {
    public let secretBase32: String
    public let uri: String
    public init(secretBase32: String, uri: String) {
        self.secretBase32 = secretBase32
        self.uri = uri
    }
}

/// The practice's identity, entered at the first run (the compliance
/// documents and the letterhead use it). Never health data.
public struct PracticeIdentity: Codable, Equatable, Sendable {
    public var doctorName: String
    public var rpps: String
    public var address: String
    public var phone: String
    public var email: String
    public init(doctorName: String, rpps: String = "", address: String = "", phone: String = "", email: String = "") {
        self.doctorName = doctorName
        self.rpps = rpps
        self.address = address
        self.phone = phone
        self.email = email
    }
}

/// An account of the demonstration cabinet, published on its sign-in screen.
public struct DemoAccount: Sendable, Equatable {
    public let login: String
    public let passphrase: String
    public let role: Role
    public init(login: String, passphrase: String, role: Role) {
        self.login = login
        self.passphrase = passphrase
        self.role = role
    }
}

/// Accounts, the session's own key and settings. Slots and keys are the
/// vault's; the repository reaches them for the services.
public protocol AccountRepository: AnyObject {
    func list() throws -> [AccountInfo]
    /// Whether `login` names an account (enabled or not), or is reserved.
    func exists(login: String) throws -> Bool
    /// A slot and an account row; returns the one-time passphrase.
    func create(login: String, role: Role, displayName: String?) throws -> String
    /// A new one-time passphrase (and role) for `login`.
    func reset(login: String, role: Role?) throws -> String
    /// Removes `login`'s slot; the row stays for the trail. Refuses the last holder.
    func disable(login: String) throws
    func recordReview() throws
    func lastReview() throws -> Date?
    /// Rewraps this session's own slot for `new` with the secret the
    /// sign-in opened (the current passphrase is not asked again, nor kept).
    func changeOwnPassphrase(new: Passphrase) throws
    var hasSecondFactor: Bool { get }
    func beginSecondFactor(issuer: String) throws -> SecondFactorEnrollment
    func confirmSecondFactor(code: String, now: Date) throws
    func disableSecondFactor() throws
    func lockAfterMinutes() throws -> Int
    func setLockAfterMinutes(_ minutes: Int) throws
    func preference(_ key: String) throws -> String?
    func setPreference(_ key: String, _ value: String?) throws
    func practiceIdentity() throws -> PracticeIdentity?
    /// A new data key for every page (every other desk closed).
    func rekey(progress: ((Int64, Int64) -> Void)?) throws
}

/// What a check of the audit trail found.
public struct AuditReport: Sendable, Equatable {
    public var entries: Int = 0
    public var firstSeq: Int64 = 1
    /// The first entry that fails (altered, removed before it, or moved).
    public var firstBad: Int64?
    /// What was found at `firstBad` beyond a broken chain (a missing
    /// signature, the checkpoint no longer matching).
    public var finding: TamperFinding?
    public var isOK: Bool { firstBad == nil }
    public init(entries: Int = 0, firstSeq: Int64 = 1, firstBad: Int64? = nil, finding: TamperFinding? = nil) {
        self.entries = entries
        self.firstSeq = firstSeq
        self.firstBad = firstBad
        self.finding = finding
    }

    /// The error that names what was found at `seq`.
    public func error(_ seq: Int64) -> CabinetError {
        finding.map { .integrity(.tampered($0)) } ?? .integrity(.auditChainBroken(seq: seq))
    }
}

/// The audit trail: one appender for every area (each repository's writes
/// append in their own transaction; this is for entries of their own).
public protocol AuditRepository: AnyObject {
    func append(_ action: AuditAction, object: String?, detail: String?) throws
    func entries(object: String?, since: Date?, limit: Int) throws -> [AuditEntry]
    func verify() throws -> AuditReport
    /// Drops access traces older than the retention (`keepDays`: a new
    /// retention, saved); returns how many went.
    func prune(now: Date, keepDays: Int?) throws -> Int
}
