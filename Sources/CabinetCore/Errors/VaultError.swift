import Foundation

/// The vault file, where it lives, and the database underneath.
public enum VaultError: Error, Equatable, Sendable {
    case notFound(path: String)
    case exists(path: String)
    case notAVault(path: String)
    case emptyFile(path: String)
    case isDirectory(path: String)
    case missingParent(path: String)
    case readOnlyLocation(path: String)
    case futureFormat(found: Int, supported: Int)
    case tooManySlots
    case retired
    case inUse
    /// Another desk holds the write lock past the busy timeout (SQLITE_BUSY,
    /// SQLITE_LOCKED and their extended codes).
    case busy
    /// A re-key failed; the vault in place is the old one, unchanged.
    case rekeyFailed
    case diskFull
    case io(path: String, errno: Int32)
    case databaseError(code: Int32)
    /// `<vault>.attempts` is a symbolic link, a hard link, not a regular
    /// file or someone else's: refused rather than followed or ignored.
    case unsafeAttemptsFile(path: String)

    public var exitCode: ExitCode {
        switch self {
        case .notFound: return .notFound
        case .notAVault, .emptyFile, .unsafeAttemptsFile: return .integrity
        case .exists, .retired, .inUse, .busy: return .conflict
        case .missingParent, .readOnlyLocation, .diskFull, .io, .databaseError, .rekeyFailed: return .io
        case .isDirectory, .futureFormat, .tooManySlots: return .usage
        }
    }

    public func message(_ c: Catalog = .current) -> String {
        switch self {
        case .notFound(let path): return c.text("error.vault_not_found", ["path": path])
        case .exists(let path): return c.text("error.vault_exists", ["path": path])
        case .notAVault(let path): return c.text("error.not_a_vault", ["path": path])
        case .emptyFile(let path): return c.text("error.empty_file", ["path": path])
        case .isDirectory(let path): return c.text("error.is_directory", ["path": path])
        case .missingParent(let path): return c.text("error.missing_parent", ["path": path])
        case .readOnlyLocation(let path): return c.text("error.read_only", ["path": path])
        case .futureFormat(let found, let supported):
            return c.text("error.future_format", ["found": String(found), "supported": String(supported)])
        case .tooManySlots: return c.text("error.too_many_slots")
        case .retired: return c.text("error.vault_retired")
        case .inUse: return c.text("error.vault_in_use")
        case .busy: return c.text("error.busy")
        case .rekeyFailed: return c.text("error.rekey_failed")
        case .diskFull: return c.text("error.disk_full")
        case .io(let path, let errno):
            let key = "errno.\(errno)"
            let reason = c.text(key)
            return c.text("error.io", ["path": path, "reason": reason == key ? "errno \(errno)" : reason])
        case .databaseError(let code): return c.text("error.database", ["code": String(code)])
        case .unsafeAttemptsFile(let path): return c.text("error.unsafe_attempts_file", ["path": path])
        }
    }
}
