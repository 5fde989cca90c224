import CabinetCore
import Foundation

/// An account as the administration screen lists it.
public struct AccountRow: Codable, Equatable, Sendable {
    public let login: String
    public let role: Role
    public let displayName: String?
    public let disabled: Bool
    public let hasSecondFactor: Bool
    public let mustChangePassphrase: Bool
    public let lastSignIn: Date?
    public init(login: String, role: Role, displayName: String? = nil, disabled: Bool = false,
                hasSecondFactor: Bool = false, mustChangePassphrase: Bool = false, lastSignIn: Date? = nil) {
        self.login = login
        self.role = role
        self.displayName = displayName
        self.disabled = disabled
        self.hasSecondFactor = hasSecondFactor
        self.mustChangePassphrase = mustChangePassphrase
        self.lastSignIn = lastSignIn
    }
}

/// A second factor being enrolled: the secret to type by hand, and the QR
/// code of its otpauth:// URI as terminal lines (half blocks).
public struct SecondFactorOffer: Codable, Equatable, Sendable {
    public let secret: String
    public let qrLines: [String]
    public init(secret: String, qrLines: [String]) {
        self.secret = secret
        self.qrLines = qrLines
    }
}

/// What the interface asks of the domain (implemented over the vault by
/// `CabinetServices.VaultServices`; by doubles in tests). Every call is
/// checked again by the domain's access policy, whatever the screen shows.
public protocol AppServices: AnyObject {
    /// Signs in; throws `CabinetError` (wrong passphrase, delay, second factor…).
    /// The session comes back with the account's draft, if one was kept.
    func signIn(login: String, passphrase: String, totp: String?) throws -> SessionInfo
    /// The forced change after a reset: replaces the one-time passphrase the
    /// session signed in with.
    func changePassphrase(new: String) throws
    /// Keeps `draft` sealed for the signed-in account (nil: none), then
    /// wipes the keys.
    /// Returns the error when the lock could not be written to the trail
    /// (the lock itself always happens).
    func lock(draft: Data?) -> CabinetError?
    /// Keeps unsaved input sealed while working (nil: nothing unsaved any
    /// more), so that a crash loses at most a few seconds of typing.
    func keepDraft(_ draft: Data?)
    /// Closes the session; `discardDraft` drops a draft kept earlier (the
    /// user chose to quit).
    func signOut(discardDraft: Bool)

    // First run.
    /// Creates the cabinet (doctor's account) and signs the doctor in.
    func createCabinet(_ identity: PracticeIdentity, login: String, passphrase: String) throws
        -> (session: SessionInfo, recoveryKey: String)
    /// Creates (or reuses) the demonstration cabinet and points the services
    /// at it. Long work: run by the runner's worker, `progress` called with
    /// (done, total) patients from that thread.
    func openDemo(progress: @escaping @Sendable (Int64, Int64) -> Void) throws -> [DemoAccount]

    // Administration.
    func listAccounts() throws -> [AccountRow]
    /// A new account; returns its one-time passphrase.
    func createAccount(login: String, displayName: String?, role: Role) throws -> String
    /// A new one-time passphrase for `login` (forced change at next sign-in).
    func resetAccount(login: String) throws -> String
    func disableAccount(login: String) throws
    /// A new data key for the whole vault (needs every other desk closed).
    /// Long work: run by the runner's worker, `progress` called with (done,
    /// total) pages from that thread.
    func rekey(progress: @escaping @Sendable (Int64, Int64) -> Void) throws
    func beginSecondFactor() throws -> SecondFactorOffer
    func confirmSecondFactor(code: String) throws
    func disableSecondFactor() throws
    func setLockAfter(minutes: Int) throws
    /// The signed-in account's language (nil: the environment's).
    func setLanguage(_ language: Language?) throws

    // Patient file (the store checks the role again).
    func searchPatients(_ text: String) throws -> [PatientSummary]
    func patientCount() throws -> Int
    /// Prepares what the first searches need (the patient index) while the
    /// user looks at the first screen; cheap when already done.
    func warmUp()
    /// Opens a record (logged): identity, the clinical entries in force
    /// (doctors only) and the history.
    func openRecord(_ id: Int64) throws -> OpenedRecord
    /// Creates (nil id) or updates a patient; returns its id.
    func savePatient(_ id: Int64?, _ identity: PatientIdentity, allowDuplicate: Bool) throws -> Int64
    func addClinicalEntry(patient: Int64, kind: ClinicalKind, occurredOn: CivilDate, fields: [String: String],
                          supersedes: Int64?) throws -> Int64
    func importDocument(patient: Int64, path: String, title: String, date: CivilDate) throws -> Int64
    func exportDocument(entry: Int64, to path: String) throws
    /// A document shown inside Cabinet (doctors; logged): its text, a PDF's
    /// text, or nothing to show for an image.
    func readDocument(entry: Int64) throws -> DocumentContent
    func setFlags(_ id: Int64, _ flags: PatientFlags) throws

    // Opening hours and absences (the holder).
    /// The opening hours, and the absences not yet over.
    func practiceHours() throws -> (OpeningHours, [Absence])
    func setOpeningHours(_ hours: OpeningHours) throws
    func addAbsence(from: Date, to: Date, label: String) throws -> Int64
    func removeAbsence(_ id: Int64) throws

    // Appointment book.
    func agenda(from: Date, to: Date) throws -> ([Appointment], [Absence], OpeningHours)
    func book(patient: Int64, start: Date?, minutes: Int, type: String, reason: String, force: Bool) throws -> Int64
    func moveAppointment(_ id: Int64, to start: Date?, minutes: Int, force: Bool) throws
    func setAppointmentStatus(_ id: Int64, _ status: AppointmentStatus, category: String) throws
    func nextFreeSlot(from: Date, minutes: Int) throws -> Date?
    /// Changes whenever any desk changes the agenda or a patient.
    func changeToken() throws -> String
}
