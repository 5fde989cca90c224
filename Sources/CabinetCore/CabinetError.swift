import Foundation

/// Exit codes of the command line (docs: CLI.md, man page EXIT STATUS).
public enum ExitCode: Int32, Sendable {
    case success = 0
    case usage = 1
    case authentication = 2
    case integrity = 3
    case permission = 4
    case notFound = 5
    case conflict = 6
    case io = 7
}

/// Where an authentication failure was found inside the sealed files.
public enum DamagedRegion: Equatable, Sendable {
    case page(Int64)
    case journalPage(Int64)
    case walFrame(Int64)
    case envelope
}

/// What the holder of the data key changed that her role does not allow
/// (docs/SEALED-STORE.md "Threat model"): found by a doctor's sign-in, by
/// `verify`, or when a clinical row is read.
public enum TamperFinding: Equatable, Sendable {
    /// The list of accounts does not authenticate under the clinical key
    /// (a substituted clinical key, a promoted account, a removed second factor).
    case roster
    /// A key slot that the authenticated list of accounts does not name.
    case unlistedSlot(login: String)
    /// A clinical row whose columns (patient, kind, dates, author, correction
    /// link, sealed fields) do not authenticate.
    case clinicalEntry(id: Int64)
    /// One sealed field of a clinical row that does not open (its catalogue
    /// label key, e.g. `entry.field.examination`): the row's columns hold.
    case clinicalField(id: Int64, field: String)
    /// The database behind the envelope is missing or shorter than recorded.
    case truncated
    /// The second factor that the authenticated list requires is gone.
    case secondFactorRemoved(login: String)
    /// The trail does not reach the head a doctor's sign-in recorded.
    case checkpoint(seq: Int64)
    /// A trail entry whose signature is missing or wrong.
    case signature(seq: Int64)
    /// The list of accounts is missing from a vault that had one.
    case rosterMissing
    /// A doctors' setting (retention of traces, lock delay) written outside
    /// Cabinet: ignored, the default applies.
    case settings
}

/// Every failure a user can meet, with a message they can act on.
///
/// Messages never carry health data nor raw SQLite codes; they name a file, a
/// page, a login at most.
public enum CabinetError: Error, Equatable, Sendable {
    case wrongPassphrase
    /// No open session (locked, ended): not a wrong passphrase.
    case notSignedIn
    /// The session's account was disabled from another desk (its key slot
    /// removed): it writes no more, and the interface locks.
    case accountDisabled(login: String)
    case wrongRecoveryKey
    case unknownAccount(login: String)
    case vaultNotFound(path: String)
    case vaultExists(path: String)
    case notAVault(path: String)
    case emptyFile(path: String)
    case isDirectory(path: String)
    case missingParent(path: String)
    case readOnlyLocation(path: String)
    case futureFormat(found: Int, supported: Int)
    case envelopeDamaged
    case envelopeAltered
    case damaged(DamagedRegion)
    case integrityCheckFailed(count: Int)
    case passphraseTooWeak(problems: [PassphraseProblem])
    case passphraseMismatch
    case emptyPassphrase
    case invalidRecoveryKey
    case accountExists(login: String)
    case invalidLogin(login: String)
    case tooManySlots
    case vaultRetired
    case vaultInUse
    /// Another desk holds the write lock past the busy timeout (SQLITE_BUSY,
    /// SQLITE_LOCKED and their extended codes).
    case busy
    /// A re-key failed; the vault in place is the old one, unchanged.
    case rekeyFailed
    case diskFull
    case io(path: String, errno: Int32)
    case databaseError(code: Int32)
    case usage(key: String)
    case cancelled
    case terminalRequired
    case permissionDenied(operation: String)
    case tooManyAttempts(seconds: Int)
    /// `<vault>.attempts` is a symbolic link, a hard link, not a regular
    /// file or someone else's: refused rather than followed or ignored.
    case unsafeAttemptsFile(path: String)
    case secondFactorRequired
    case wrongSecondFactor
    case mustChangePassphrase
    case auditChainBroken(seq: Int64)
    case tampered(TamperFinding)
    case lastHolder
    case cannotDisableSelf
    case accountNotFound(login: String)
    case secondFactorNotForRole
    case secondFactorAlreadyActive
    case secondFactorNotPending
    case patientNotFound(id: Int64)
    case entryNotFound(id: Int64)
    /// The record is limited (frozen) while a contestation is checked.
    case recordLimited
    /// Same names and date of birth as an existing patient.
    case possibleDuplicate(id: Int64)
    case documentTooLarge(maxMegabytes: Int)
    case invalidField(field: String, key: String)
    /// An appointment already holds that time.
    case appointmentConflict(id: Int64, patient: String, start: Date)
    /// Refused (past, duration, a time that does not exist).
    case bookingRefused(key: String, args: [String: String])
    /// Outside hours, in an absence, a deceased patient: a doctor may force.
    case bookingNeedsForce(key: String, args: [String: String])
    case appointmentNotFound(id: Int64)
    case patientArchived(id: Int64)

    public var exitCode: ExitCode {
        switch self {
        case .wrongPassphrase, .notSignedIn, .accountDisabled, .wrongRecoveryKey, .unknownAccount, .invalidRecoveryKey,
             .tooManyAttempts, .secondFactorRequired, .wrongSecondFactor, .mustChangePassphrase:
            return .authentication
        case .permissionDenied, .secondFactorNotForRole:
            return .permission
        case .auditChainBroken, .tampered:
            return .integrity
        case .accountNotFound, .patientNotFound, .entryNotFound:
            return .notFound
        case .recordLimited, .possibleDuplicate, .appointmentConflict, .bookingNeedsForce, .patientArchived:
            return .conflict
        case .bookingRefused:
            return .usage
        case .appointmentNotFound:
            return .notFound
        case .documentTooLarge, .invalidField:
            return .usage
        case .lastHolder, .cannotDisableSelf, .secondFactorAlreadyActive, .secondFactorNotPending:
            return .conflict
        case .envelopeDamaged, .envelopeAltered, .damaged, .integrityCheckFailed,
             .notAVault, .emptyFile, .unsafeAttemptsFile:
            return .integrity
        case .vaultNotFound:
            return .notFound
        case .vaultExists, .accountExists, .vaultRetired, .vaultInUse, .busy:
            return .conflict
        case .missingParent, .readOnlyLocation, .diskFull, .io, .databaseError, .rekeyFailed:
            return .io
        case .isDirectory, .futureFormat, .passphraseTooWeak, .passphraseMismatch,
             .emptyPassphrase, .invalidLogin, .tooManySlots, .usage, .cancelled,
             .terminalRequired:
            return .usage
        }
    }

    /// The message in the catalogue's language.
    public func message(_ c: Catalog = .current) -> String {
        switch self {
        case .wrongPassphrase: return c.text("error.wrong_passphrase")
        case .notSignedIn: return c.text("error.not_signed_in")
        case .accountDisabled(let login): return c.text("error.account_disabled", ["login": login])
        case .wrongRecoveryKey: return c.text("error.wrong_recovery_key")
        case .unknownAccount(let login): return c.text("error.unknown_account", ["login": login])
        case .vaultNotFound(let path): return c.text("error.vault_not_found", ["path": path])
        case .vaultExists(let path): return c.text("error.vault_exists", ["path": path])
        case .notAVault(let path): return c.text("error.not_a_vault", ["path": path])
        case .emptyFile(let path): return c.text("error.empty_file", ["path": path])
        case .isDirectory(let path): return c.text("error.is_directory", ["path": path])
        case .missingParent(let path): return c.text("error.missing_parent", ["path": path])
        case .readOnlyLocation(let path): return c.text("error.read_only", ["path": path])
        case .futureFormat(let found, let supported):
            return c.text("error.future_format", ["found": String(found), "supported": String(supported)])
        case .envelopeDamaged: return c.text("error.envelope_damaged")
        case .envelopeAltered: return c.text("error.envelope_altered")
        case .damaged(let region):
            switch region {
            case .page(let n): return c.text("error.page_altered", ["page": String(n)])
            case .journalPage(let n): return c.text("error.journal_altered", ["page": String(n)])
            case .walFrame(let n): return c.text("error.wal_altered", ["frame": String(n)])
            case .envelope: return c.text("error.envelope_altered")
            }
        case .integrityCheckFailed(let count):
            return c.text("error.integrity_check", ["count": String(count)])
        case .passphraseTooWeak(let problems):
            let list = problems.map { "  - " + c.text($0.messageKey) }.joined(separator: "\n")
            let advice = problems.contains(where: { $0.isGuessability }) ? "\n" + c.text("policy.advice") : ""
            return c.text("error.passphrase_weak") + "\n" + list + advice
        case .passphraseMismatch: return c.text("error.passphrase_mismatch")
        case .emptyPassphrase: return c.text("error.passphrase_empty")
        case .invalidRecoveryKey: return c.text("error.recovery_key_format")
        case .accountExists(let login): return c.text("error.account_exists", ["login": login])
        case .invalidLogin(let login): return c.text("error.invalid_login", ["login": login])
        case .tooManySlots: return c.text("error.too_many_slots")
        case .vaultRetired: return c.text("error.vault_retired")
        case .vaultInUse: return c.text("error.vault_in_use")
        case .busy: return c.text("error.busy")
        case .rekeyFailed: return c.text("error.rekey_failed")
        case .diskFull: return c.text("error.disk_full")
        case .io(let path, let errno):
            let key = "errno.\(errno)"
            let reason = c.text(key)
            return c.text("error.io", ["path": path, "reason": reason == key ? "errno \(errno)" : reason])
        case .databaseError(let code): return c.text("error.database", ["code": String(code)])
        case .usage(let key): return c.text(key)
        case .cancelled: return c.text("error.cancelled")
        case .terminalRequired: return c.text("error.terminal_required")
        case .permissionDenied(let op):
            return c.text("error.permission_denied", ["operation": c.text("operation.\(op)")])
        case .tooManyAttempts(let seconds): return c.text("error.too_many_attempts", ["seconds": String(seconds)])
        case .unsafeAttemptsFile(let path): return c.text("error.unsafe_attempts_file", ["path": path])
        case .secondFactorRequired: return c.text("error.totp_required")
        case .wrongSecondFactor: return c.text("error.totp_wrong")
        case .mustChangePassphrase: return c.text("error.must_change")
        case .auditChainBroken(let seq): return c.text("error.audit_broken", ["seq": String(seq)])
        case .tampered(let finding):
            switch finding {
            case .roster: return c.text("error.tamper.roster")
            case .unlistedSlot(let login): return c.text("error.tamper.unlisted_slot", ["login": login])
            case .clinicalEntry(let id): return c.text("error.tamper.clinical_entry", ["id": String(id)])
            case .clinicalField(let id, let field):
                return c.text("error.tamper.clinical_field", ["id": String(id), "field": c.text(field)])
            case .truncated: return c.text("error.tamper.truncated")
            case .secondFactorRemoved(let login): return c.text("error.tamper.totp_removed", ["login": login])
            case .checkpoint(let seq): return c.text("error.tamper.checkpoint", ["seq": String(seq)])
            case .signature(let seq): return c.text("error.tamper.signature", ["seq": String(seq)])
            case .rosterMissing: return c.text("error.tamper.roster_missing")
            case .settings: return c.text("error.tamper.settings")
            }
        case .lastHolder: return c.text("error.last_holder")
        case .cannotDisableSelf: return c.text("error.disable_self")
        case .accountNotFound(let login): return c.text("error.account_not_found", ["login": login])
        case .secondFactorNotForRole: return c.text("error.totp_role")
        case .secondFactorAlreadyActive: return c.text("error.totp_active")
        case .secondFactorNotPending: return c.text("error.totp_not_pending")
        case .patientNotFound(let id): return c.text("error.patient_not_found", ["id": String(id)])
        case .entryNotFound(let id): return c.text("error.entry_not_found", ["id": String(id)])
        case .recordLimited: return c.text("error.record_limited")
        case .possibleDuplicate(let id): return c.text("error.possible_duplicate", ["id": String(id)])
        case .documentTooLarge(let mb): return c.text("error.document_too_large", ["max": String(mb)])
        case .appointmentConflict(let id, let patient, let start):
            let df = DateFormatter()
            df.timeZone = TimeZone(identifier: "Europe/Paris")
            df.dateFormat = "dd/MM/yyyy HH:mm"
            return c.text("error.appointment_conflict", ["id": String(id), "patient": patient, "start": df.string(from: start)])
        case .bookingRefused(let key, let args): return c.text(key, args)
        case .bookingNeedsForce(let key, let args): return c.text(key, args) + " " + c.text("error.booking_force")
        case .appointmentNotFound(let id): return c.text("error.appointment_not_found", ["id": String(id)])
        case .patientArchived(let id): return c.text("error.patient_archived", ["id": String(id)])
        case .invalidField(let field, let key):
            return c.text("error.invalid_field", ["field": c.text("patient.field.\(field)"), "message": c.text(key)])
        }
    }
}
