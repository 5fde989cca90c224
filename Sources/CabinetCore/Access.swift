import Foundation

/// A person's role in the practice (PRODUCT.md "Who uses it").
public enum Role: String, Sendable, CaseIterable, Codable {
    /// The practice's holder: clinical rights, accounts and settings.
    case doctor
    /// A replacement doctor: clinical rights, no account management.
    case replacement
    /// The front desk: agenda, administrative identity, waiting room; never
    /// clinical content (../shared/seeds/002_d4f97852d99ed6fe.txt l.118).
    case secretary

    /// Doctors and replacements: the policy's only use (`AccessPolicy`); the
    /// rest of the code asks the policy for a privilege, never for a role.
    var isDoctor: Bool { self != .secretary }
}

/// Who is acting, once signed in.
public struct Session: Sendable, Equatable {
    public let login: String
    public let role: Role
    /// Signed in with the recovery key: the holder's rights, second factor
    /// bypassed (and logged).
    public let viaRecoveryKey: Bool

    public init(login: String, role: Role, viaRecoveryKey: Bool = false) {
        self.login = login
        self.role = role
        self.viaRecoveryKey = viaRecoveryKey
    }

    /// The name written in the audit trail.
    public var actor: String { viaRecoveryKey ? "recovery" : login }
}

/// Everything a session may ask for. One list, one policy: the UI only
/// reflects what `AccessPolicy` decides.
public enum Privilege: String, Sendable, CaseIterable {
    case manageAccounts        // create, disable, reset accounts; re-key the vault
    case listAccounts
    case readAudit
    case changeOwnPassphrase
    case manageOwnSecondFactor
    case verifyVault
    case readIdentity          // patients' administrative identity
    case writeIdentity
    case manageAgenda
    case readClinical
    case writeClinical
    case exportRecords
    case changeSettings
    /// Book or move past a warning (outside the hours, an absence, a
    /// deceased patient) or over another appointment.
    case forceBooking
    /// Back up the vault, check a backup, see the backups: sealed bytes,
    /// no clinical key needed (the front desk runs the evening backup).
    case runBackup
    /// Put a backup back (the holder, with a passphrase or the recovery key).
    case restoreBackup
}

/// Who may do what (../shared/seeds/002_d4f97852d99ed6fe.txt §6 and §10:
/// profiles separating administrative from medical data).
public enum AccessPolicy {
    public static func allows(_ role: Role, _ operation: Privilege) -> Bool {
        switch operation {
        case .changeOwnPassphrase, .verifyVault, .readIdentity, .writeIdentity, .manageAgenda, .runBackup:
            return true
        case .manageOwnSecondFactor, .readAudit, .readClinical, .writeClinical, .exportRecords, .forceBooking:
            return role.isDoctor
        case .manageAccounts, .listAccounts, .changeSettings, .restoreBackup:
            return role == .doctor
        }
    }

    /// Throws `permissionDenied` (exit 4) unless the session may do it.
    public static func check(_ session: Session, _ operation: Privilege) throws {
        guard allows(session.role, operation) else {
            throw CabinetError.permissionDenied(operation: operation.rawValue)
        }
    }
}

/// The growing delay after failed sign-ins (PRODUCT.md: failed attempts
/// limited, growing delay, persisted across restarts;
/// ../shared/seeds/000_8e655f28ba827d0f.txt on limiting attempts).
public enum AttemptPolicy {
    /// Failures allowed before any delay.
    public static let freeAttempts = 3
    /// The longest wait, however many failures.
    public static let maximumDelay: TimeInterval = 15 * 60

    /// Seconds to wait after `failures` consecutive failures: none for the
    /// first three, then 1 s, 2 s, 4 s… up to 15 minutes.
    public static func delay(afterFailures failures: Int) -> TimeInterval {
        guard failures >= freeAttempts else { return 0 }
        let exponent = min(failures - freeAttempts, 20)
        return min(pow(2, Double(exponent)), maximumDelay)
    }
}

/// What the audit trail records (PRODUCT.md "Traceability"). The raw values
/// are stored; never any health content in an entry.
public enum AuditAction: String, Sendable, CaseIterable, Codable {
    case signIn = "signin"
    case signInFailed = "signin.failed"
    case signOut = "signout"
    case lock = "lock"
    case unlock = "unlock"
    case accountCreated = "account.created"
    case accountDisabled = "account.disabled"
    case accountReset = "account.reset"
    case roleChanged = "account.role"
    case accountsReviewed = "accounts.reviewed"
    case passphraseChanged = "passphrase.changed"
    case totpEnrolled = "totp.enrolled"
    case totpUsed = "totp.used"
    case totpBypassed = "totp.bypassed"
    case totpDisabled = "totp.disabled"
    case vaultCreated = "vault.created"
    case vaultRekeyed = "vault.rekeyed"
    case vaultVerified = "vault.verified"
    /// The vault's format upgraded (detail: the new format).
    case vaultUpgraded = "vault.upgraded"
    /// A doctor's sign-in found the trail no longer matching its checkpoint.
    case auditTampered = "audit.tampered"
    case auditViewed = "audit.viewed"
    case auditVerified = "audit.verified"
    case auditPruned = "audit.pruned"
    case recordOpened = "record.opened"
    case recordWritten = "record.written"
    case export = "export"
    case backup = "backup"
    /// A backup checked by restoring it (detail: the figures, or the failure).
    case backupVerified = "backup.verified"
    case backupFailed = "backup.failed"
    case restore = "restore"
    case archiveOpened = "archive.opened"
    case purge = "purge"
    case messageSent = "message.sent"
    case settingsChanged = "settings.changed"
    case appointmentBooked = "agenda.booked"
    case appointmentMoved = "agenda.moved"
    case appointmentCancelled = "agenda.cancelled"
    case appointmentStatus = "agenda.status"

    /// Catalogue key of the action's label.
    public var labelKey: String { "audit.action.\(rawValue)" }
}

/// One entry of the trail as read back.
public struct AuditEntry: Sendable, Equatable {
    public let seq: Int64
    public let at: Date
    public let actor: String
    public let action: String
    public let object: String?
    public let detail: String?

    public init(seq: Int64, at: Date, actor: String, action: String, object: String?, detail: String?) {
        self.seq = seq
        self.at = at
        self.actor = actor
        self.action = action
        self.object = object
        self.detail = detail
    }
}
