import Foundation

/// Backups and restores (issue 15). A damaged or altered backup is exit 3
/// like a damaged vault; what the user can fix (a destination, the space)
/// says what to do.
public enum BackupError: Error, Equatable, Sendable {
    /// The destination folder does not exist (a USB disk not plugged in).
    case destinationMissing(path: String)
    /// The destination is not writable (read-only share, permissions).
    case destinationReadOnly(path: String)
    /// The destination is the vault's own folder or inside it: a backup
    /// beside the original is lost with it.
    case destinationBesideVault(path: String)
    /// Not enough room: bytes needed and free.
    case notEnoughSpace(path: String, needed: Int64, free: Int64)
    /// Writing the backup failed half-way (the disk filled, a write
    /// refused): the partial file is removed, the vault untouched.
    case writeFailed(path: String, needed: Int64, free: Int64)
    /// Another backup (this desk or the other) is running.
    case alreadyRunning
    /// The file is a backup of another practice's vault.
    case otherCabinet(path: String)
    /// A backup written by a newer Cabinet.
    case futureFormat(path: String, found: Int, supported: Int)
    /// Shorter than its envelope says: copied or written only in part.
    case truncated(path: String)
    /// A region that does not authenticate (a page, an envelope copy, the
    /// manifest), or content that differs from what the manifest recorded.
    case damaged(path: String, region: BackupRegion)
    /// Not a backup of Cabinet (a vault, another file).
    case notABackup(path: String)
    /// The file is a backup: it is restored, never opened as the vault.
    case isABackup(path: String)
    /// This session's key does not open that backup (the account was reset
    /// after it was made): a doctor restores it with a passphrase of its
    /// time or the recovery key.
    case noKeyForBackup(path: String)
    case notFound(path: String)
    /// Restoring onto an existing file without saying so.
    case targetExists(path: String)

    public var exitCode: ExitCode {
        switch self {
        case .destinationMissing, .destinationReadOnly, .notEnoughSpace, .writeFailed: return .io
        case .destinationBesideVault, .futureFormat, .notABackup, .isABackup: return .usage
        case .alreadyRunning, .otherCabinet, .targetExists: return .conflict
        case .truncated, .damaged: return .integrity
        case .noKeyForBackup: return .authentication
        case .notFound: return .notFound
        }
    }

    public func message(_ c: Catalog = .current) -> String {
        switch self {
        case .destinationMissing(let path): return c.text("error.backup.destination_missing", ["path": path])
        case .destinationReadOnly(let path): return c.text("error.backup.destination_read_only", ["path": path])
        case .destinationBesideVault(let path): return c.text("error.backup.beside_vault", ["path": path])
        case .notEnoughSpace(let path, let needed, let free):
            return c.text("error.backup.space", ["path": path, "needed": ByteCount.words(needed, c), "free": ByteCount.words(free, c)])
        case .writeFailed(let path, let needed, let free):
            return c.text("error.backup.write_failed", ["path": path, "needed": ByteCount.words(needed, c), "free": ByteCount.words(free, c)])
        case .alreadyRunning: return c.text("error.backup.running")
        case .otherCabinet(let path): return c.text("error.backup.other_cabinet", ["path": path])
        case .futureFormat(let path, let found, let supported):
            return c.text("error.backup.future", ["path": path, "found": String(found), "supported": String(supported)])
        case .truncated(let path): return c.text("error.backup.truncated", ["path": path])
        case .damaged(let path, let region): return c.text("error.backup.damaged", ["path": path, "region": region.words(c)])
        case .notABackup(let path): return c.text("error.backup.not_a_backup", ["path": path])
        case .isABackup(let path): return c.text("error.backup.is_a_backup", ["path": path])
        case .noKeyForBackup(let path): return c.text("error.backup.no_key", ["path": path])
        case .notFound(let path): return c.text("error.backup.not_found", ["path": path])
        case .targetExists(let path): return c.text("error.backup.target_exists", ["path": path])
        }
    }
}

/// Where a backup failed its check.
public enum BackupRegion: Equatable, Sendable {
    /// One copy of the envelope (1 or 2).
    case envelope(copy: Int)
    case page(Int64)
    /// The manifest (its signature, or its form).
    case manifest
    /// Every page opens but the content is not what the manifest recorded
    /// at the snapshot (rows counted and hashed again).
    case content
    /// SQLite's structural check found errors.
    case structure(count: Int)

    public func words(_ c: Catalog) -> String {
        switch self {
        case .envelope(let copy): return c.text("backup.region.envelope", ["copy": String(copy)])
        case .page(let n): return c.text("backup.region.page", ["page": String(n)])
        case .manifest: return c.text("backup.region.manifest")
        case .content: return c.text("backup.region.content")
        case .structure(let n): return c.text("backup.region.structure", ["count": String(n)])
        }
    }
}

/// Sizes for people: "1,2 Go", "350 Mo", "12 ko" (French decimal comma in
/// French, point in English).
public enum ByteCount {
    public static func words(_ bytes: Int64, _ c: Catalog) -> String {
        let units = ["unit.bytes", "unit.kilobytes", "unit.megabytes", "unit.gigabytes", "unit.terabytes"]
        var value = Double(max(bytes, 0))
        var i = 0
        while value >= 1000 && i < units.count - 1 { value /= 1000; i += 1 }
        let number: String
        if i == 0 || value >= 100 { number = String(Int(value.rounded())) } else {
            number = String(format: "%.1f", value).replacingOccurrences(of: ".", with: c.text("unit.decimal_separator"))
        }
        return c.text(units[i], ["n": number])
    }
}
