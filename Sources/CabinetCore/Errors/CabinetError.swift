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

/// Every failure a user can meet, with a message they can act on, grouped by
/// the area that raises it: each area's list lives in its own file and grows
/// with its module (a backup module adds `.backup(BackupError)`, not twenty
/// cases here).
///
/// Messages never carry health data nor raw SQLite codes; they name a file, a
/// page, a login at most.
public enum CabinetError: Error, Equatable, Sendable {
    /// The vault file, its location and the database underneath.
    case vault(VaultError)
    /// Authentication failures: something sealed did not open, or a record
    /// someone altered outside Cabinet.
    case integrity(IntegrityError)
    /// Signing in, passphrases, the second factor, the session itself.
    case session(SessionError)
    /// Administration of the accounts.
    case accounts(AccountError)
    /// The patient file.
    case patients(PatientError)
    /// The appointment book.
    case agenda(AgendaError)
    /// Backups and restores.
    case backup(BackupError)
    /// Bad command-line or form input: the catalogue key of the message.
    case usage(key: String)
    case cancelled
    case terminalRequired
    case permissionDenied(operation: String)

    public var exitCode: ExitCode {
        switch self {
        case .vault(let e): return e.exitCode
        case .integrity: return .integrity
        case .session(let e): return e.exitCode
        case .accounts(let e): return e.exitCode
        case .patients(let e): return e.exitCode
        case .agenda(let e): return e.exitCode
        case .backup(let e): return e.exitCode
        case .permissionDenied: return .permission
        case .usage, .cancelled, .terminalRequired: return .usage
        }
    }

    /// The message in the catalogue's language.
    public func message(_ c: Catalog = .current) -> String {
        switch self {
        case .vault(let e): return e.message(c)
        case .integrity(let e): return e.message(c)
        case .session(let e): return e.message(c)
        case .accounts(let e): return e.message(c)
        case .patients(let e): return e.message(c)
        case .agenda(let e): return e.message(c)
        case .backup(let e): return e.message(c)
        case .usage(let key): return c.text(key)
        case .cancelled: return c.text("error.cancelled")
        case .terminalRequired: return c.text("error.terminal_required")
        case .permissionDenied(let op):
            return c.text("error.permission_denied", ["operation": c.text("operation.\(op)")])
        }
    }
}
