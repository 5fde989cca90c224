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

extension AccountRow {
    /// The row of an account as the accounts service lists it.
    public init(_ info: AccountInfo) {
        self.init(login: info.login, role: info.role, displayName: info.displayName, disabled: info.disabledAt != nil,
                  hasSecondFactor: info.hasSecondFactor, mustChangePassphrase: info.mustChangePassphrase,
                  lastSignIn: info.lastSignIn)
    }
}

/// What the interface asks beyond the domain: the session itself (sign-in,
/// lock, drafts, first run) and what needs a library Core does not use (the
/// QR code, pdftotext). Implemented over the vault by
/// `CabinetServices.VaultServices`; by a double in tests.
///
/// Every domain operation goes through `practice`: the performers call
/// Core's services (`PatientsService`, `AgendaService`, `AccountsService`…)
/// directly, and their access policy checks every call, whatever the screen
/// shows. A new domain operation needs nothing here.
public protocol AppServices: AnyObject {
    /// The signed-in session's services (nil when locked or signed out).
    var practice: Practice? { get }

    /// Signs in; throws `CabinetError` (wrong passphrase, delay, second factor…).
    /// The session comes back with the account's draft, if one was kept.
    func signIn(login: String, passphrase: Passphrase, totp: String?) throws -> SessionInfo
    /// The forced change after a reset: replaces the one-time passphrase the
    /// session signed in with.
    func changePassphrase(new: Passphrase) throws
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
    func createCabinet(_ identity: PracticeIdentity, login: String, passphrase: Passphrase) throws
        -> (session: SessionInfo, recoveryKey: String)
    /// Creates (or reuses) the demonstration cabinet and points the services
    /// at it. Long work: run by the runner's worker, `progress` called with
    /// (done, total) patients from that thread.
    func openDemo(progress: @escaping @Sendable (Int64, Int64) -> Void) throws -> [DemoAccount]

    /// Begins enrolling a second factor for the signed-in account
    /// (`AccountsService.beginSecondFactor`), its URI drawn as a QR code.
    func beginSecondFactor() throws -> SecondFactorOffer
    /// A document shown inside Cabinet (doctors; logged,
    /// `PatientsService.readDocument`): its text, a PDF's text, or nothing
    /// to show for an image.
    func readDocument(entry: Int64) throws -> DocumentContent
}
