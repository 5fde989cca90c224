import Foundation

/// What a backup says of itself: written into the backup at the snapshot,
/// signed by the account that made it, compared with the restored copy at
/// every check (docs/BACKUP.md).
public struct BackupManifest: Codable, Equatable, Sendable {
    /// The manifest's own format; a newer one is refused, never guessed.
    public static let currentFormat = 1

    public var format: Int
    /// The vault's id (hex): stable across re-keys, the same in every backup.
    public var cabinetID: String
    public var createdAt: Date
    /// The account (or "recovery") that made it.
    public var createdBy: String
    /// The vault's format at the snapshot.
    public var vaultFormat: Int
    public var pageCount: Int64
    /// Rows of every table at the snapshot.
    public var rowCounts: [String: Int64]
    /// BLAKE2b-256 (hex) of every row of every table, in a fixed order,
    /// computed in the snapshot's own read transaction.
    public var contentHash: String
    /// The audit trail's newest entry at the snapshot (seq and MAC, hex).
    public var auditHead: Int64?
    public var auditHeadMAC: String?

    public init(format: Int = BackupManifest.currentFormat, cabinetID: String, createdAt: Date, createdBy: String,
                vaultFormat: Int, pageCount: Int64, rowCounts: [String: Int64], contentHash: String,
                auditHead: Int64?, auditHeadMAC: String?) {
        self.format = format
        self.cabinetID = cabinetID
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.vaultFormat = vaultFormat
        self.pageCount = pageCount
        self.rowCounts = rowCounts
        self.contentHash = contentHash
        self.auditHead = auditHead
        self.auditHeadMAC = auditHeadMAC
    }

    /// Rows in all tables.
    public var totalRows: Int64 { rowCounts.values.reduce(0, +) }

    /// The bytes that are signed and stored (sorted keys, ISO dates: the
    /// same manifest always gives the same bytes).
    public func encoded() -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        e.dateEncodingStrategy = .iso8601
        return Array((try? e.encode(self)) ?? Data())
    }

    public static func decode(_ bytes: [UInt8]) -> BackupManifest? {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return try? d.decode(BackupManifest.self, from: Data(bytes))
    }
}

/// One backup as the practice sees it.
public struct BackupRecord: Equatable, Sendable {
    public enum State: String, Sendable {
        /// Restored and compared with its manifest: it counts.
        case verified
        /// Failed its check: kept aside (named `.failed`), never counted.
        case failed
        /// Written, not checked yet (an unattended copy, an interrupted check).
        case unverified
    }

    public var path: String
    public var createdAt: Date
    public var createdBy: String
    public var bytes: Int64
    public var pages: Int64
    public var rows: Int64
    public var state: State
    public var checkedAt: Date?
    /// What the check found, when it failed.
    public var failure: CabinetError?

    public init(path: String, createdAt: Date, createdBy: String, bytes: Int64, pages: Int64, rows: Int64,
                state: State, checkedAt: Date? = nil, failure: CabinetError? = nil) {
        self.path = path
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.bytes = bytes
        self.pages = pages
        self.rows = rows
        self.state = state
        self.checkedAt = checkedAt
        self.failure = failure
    }

    public var fileName: String { PathNames.name(path) }
}

/// Where long backup work is, for a progress bar.
public struct BackupProgress: Equatable, Sendable {
    public enum Step: String, Sendable {
        /// Counting and hashing the rows in the snapshot.
        case snapshot
        /// Copying the sealed pages.
        case copy
        /// Restoring: every page authenticated, the structure checked, the
        /// rows hashed again.
        case verify
    }

    public var step: Step
    public var done: Int64
    public var total: Int64

    public init(step: Step, done: Int64, total: Int64) {
        self.step = step
        self.done = done
        self.total = total
    }
}

/// The rules of backups that need no store: names, destinations.
public enum BackupRules {
    public static let fileExtension = "cbak"
    public static let failedSuffix = ".failed"

    /// `cabinet-20261202-183012Z.cbak`: sortable, the moment in UTC (no
    /// daylight-saving ambiguity), never a patient's name.
    public static func fileName(at date: Date) -> String {
        "cabinet-" + stamp.string(from: date) + "." + fileExtension
    }

    /// The moment in a backup's name (`cabinet-…Z.cbak`, or `…Z-2.cbak`
    /// for a second one in the same second), or nil when the name is not ours.
    public static func date(inName name: String) -> Date? {
        guard name.hasPrefix("cabinet-"), name.hasSuffix("." + fileExtension) else { return nil }
        var middle = String(name.dropFirst("cabinet-".count).dropLast(fileExtension.count + 1))
        if let dash = middle.lastIndex(of: "-"), middle[middle.index(before: dash)] == "Z",
           Int(middle[middle.index(after: dash)...]) != nil {
            middle = String(middle[..<dash])
        }
        return stamp.date(from: middle)
    }

    /// A name for a backup made at `date` that nothing in `directory` has
    /// (two backups in one second get `-2`, `-3`…; a failed one keeps its
    /// name with `.failed` after it).
    public static func freeName(at date: Date, in directory: String) -> String {
        let base = fileName(at: date)
        func taken(_ n: String) -> Bool {
            let p = PathNames.join(directory, n)
            return FileManager.default.fileExists(atPath: p) || FileManager.default.fileExists(atPath: p + failedSuffix)
        }
        guard taken(base) else { return base }
        let stem = String(base.dropLast(fileExtension.count + 1))
        var i = 2
        while taken("\(stem)-\(i).\(fileExtension)") { i += 1 }
        return "\(stem)-\(i).\(fileExtension)"
    }

    /// The name a partial write goes under: hidden, never taken for a backup.
    public static func partialName(_ name: String) -> String { "." + name + ".partial" }

    private static let stamp: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd-HHmmss'Z'"
        return f
    }()

    /// A destination folder for backups of the vault at `vaultPath`: it
    /// exists, is writable, and is neither the vault's folder nor inside it
    /// (links resolved: a backup beside the original is lost with it).
    public static func checkDestination(_ directory: String, vaultPath: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw CabinetError.backup(.destinationMissing(path: directory))
        }
        let destination = resolved(directory)
        let vaultDir = resolved(PathNames.parent(resolved(vaultPath)))
        if destination == vaultDir || destination.hasPrefix(vaultDir.hasSuffix("/") ? vaultDir : vaultDir + "/") {
            throw CabinetError.backup(.destinationBesideVault(path: directory))
        }
        guard FileManager.default.isWritableFile(atPath: directory) else {
            throw CabinetError.backup(.destinationReadOnly(path: directory))
        }
    }

    /// A verified backup is due: there is none, or the newest is older than
    /// the start of the last working day before today (Monday to Friday,
    /// in the practice's time zone): Friday evening's backup still counts on
    /// Monday morning, not on Tuesday (../shared/seeds/000_8e655f28ba827d0f.txt
    /// l.371: at least weekly; the practice's rhythm is the end of the day).
    public static func isOverdue(lastVerified: Date?, now: Date) -> Bool {
        guard let last = lastVerified else { return true }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = PracticeClock.timeZone
        var day = calendar.startOfDay(for: now)
        repeat {
            guard let previous = calendar.date(byAdding: .day, value: -1, to: day) else { return true }
            day = previous
        } while calendar.isDateInWeekend(day)
        return last < day
    }

    static func resolved(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
    }
}

/// End-of-day backup and its check by restore (issue 15;
/// ../shared/seeds/000_8e655f28ba827d0f.txt l.371-373,
/// ../shared/seeds/002_d4f97852d99ed6fe.txt §10 "Sauvegarder et prévoir la
/// continuité d'activité"). A backup counts only once a real restore of it
/// has been opened and compared with the vault as it was at the snapshot.
public struct BackupService {
    public let session: Session
    let repository: any BackupRepository

    public init(session: Session, repository: any BackupRepository) {
        self.session = session
        self.repository = repository
    }

    func require(_ privilege: Privilege) throws { try AccessPolicy.check(session, privilege) }

    /// Backs the vault up into `directory`, then checks the copy by restoring
    /// it. A copy that fails its check is set aside (renamed `….failed`),
    /// recorded as failed, and the failure thrown. One backup at a time,
    /// across desks.
    @discardableResult
    public func run(to directory: String, now: Date = Date(),
                    progress: @escaping (BackupProgress) -> Void = { _ in }) throws -> BackupRecord {
        try require(.runBackup)
        try BackupRules.checkDestination(directory, vaultPath: repository.vaultPath)
        let hold = try repository.exclusive()
        defer { hold.release() }
        let space = try repository.space(in: directory)
        guard space.free >= space.needed else {
            throw CabinetError.backup(.notEnoughSpace(path: directory, needed: space.needed, free: space.free))
        }
        let written = try repository.snapshot(into: directory, name: BackupRules.freeName(at: now, in: directory), progress: progress)
        try repository.record(written, action: .backup, detail: Self.figures(written))
        return try check(written, now: now, progress: progress)
    }

    /// Checks a backup file by restoring it (any backup of this vault, made
    /// by anyone): recorded, and a failed one set aside.
    @discardableResult
    public func verify(file path: String, now: Date = Date(),
                       progress: @escaping (BackupProgress) -> Void = { _ in }) throws -> BackupRecord {
        try require(.runBackup)
        let found: BackupRecord
        do {
            found = try repository.inspect(path)
        } catch let error as CabinetError {
            // Damaged where the manifest is read: failed like any check.
            guard case .backup(let why) = error, why.exitCode == .integrity else { throw error }
            let name = PathNames.name(path)
            let unread = BackupRecord(path: path, createdAt: BackupRules.date(inName: name) ?? now, createdBy: "",
                                      bytes: 0, pages: 0, rows: 0, state: .unverified)
            return try check(unread, now: now, progress: progress) { _ in throw error }
        }
        return try check(found, now: now, progress: progress)
    }

    /// The backups this vault knows of, newest first.
    public func history() throws -> [BackupRecord] {
        try require(.runBackup)
        return try repository.history()
    }

    /// Where this practice's backups go (the folder chosen in F6), if set.
    public func destination() throws -> String? {
        try require(.runBackup)
        return try repository.destination()
    }

    /// Chooses the backups' folder (checked as a destination first). Both
    /// desks may: the evening backup is often the front desk's.
    public func setDestination(_ directory: String) throws {
        try require(.runBackup)
        let trimmed = directory.trimmingCharacters(in: .whitespaces)
        try BackupRules.checkDestination(trimmed, vaultPath: repository.vaultPath)
        try repository.setDestination(trimmed)
    }

    /// Free bytes where the backups go (nil when the folder is not there).
    public func freeSpace(in directory: String) -> Int64? {
        (try? repository.space(in: directory))?.free
    }

    private func check(_ backup: BackupRecord, now: Date, progress: @escaping (BackupProgress) -> Void,
                       verify: ((String) throws -> BackupRecord)? = nil) throws -> BackupRecord {
        do {
            var verified = try verify?(backup.path) ?? repository.verify(backup.path, progress: progress)
            verified.state = .verified
            verified.checkedAt = now
            try repository.record(verified, action: .backupVerified, detail: Self.figures(verified))
            return verified
        } catch let error as CabinetError {
            // A check that could not run (a busy vault, a missing key) says
            // nothing about the file: it stays as it is.
            guard case .backup(let why) = error, why.exitCode == .integrity else { throw error }
            var failed = backup
            failed.path = (try? repository.setAside(backup.path)) ?? backup.path
            failed.state = .failed
            failed.checkedAt = now
            failed.failure = error
            try? repository.record(failed, action: .backupFailed, detail: Self.failureDetail(why))
            throw error
        }
    }

    /// The figures an audit entry carries (never any health data).
    static func figures(_ r: BackupRecord) -> String {
        "\(r.fileName) pages=\(r.pages) rows=\(r.rows) bytes=\(r.bytes)"
    }

    static func failureDetail(_ e: BackupError) -> String {
        switch e {
        case .damaged(let path, let region):
            let place: String
            switch region {
            case .envelope(let copy): place = "envelope \(copy)"
            case .page(let n): place = "page \(n)"
            case .manifest: place = "manifest"
            case .content: place = "content"
            case .structure(let n): place = "structure \(n)"
            }
            return "\(PathNames.name(path)) \(place)"
        case .truncated(let path): return "\(PathNames.name(path)) truncated"
        default: return "failed"
        }
    }
}

/// The store's side of backups.
public protocol BackupRepository {
    /// The vault's own file.
    var vaultPath: String { get }
    /// Held while a backup runs: refused (`alreadyRunning`) when another
    /// desk or process holds it.
    func exclusive() throws -> any BackupHold
    /// Bytes a backup of the vault needs, and bytes free in `directory`.
    func space(in directory: String) throws -> (needed: Int64, free: Int64)
    /// A consistent snapshot, sealed to sealed, written under a temporary
    /// name, synced, renamed to `name`, the folder synced; its manifest
    /// inside. Nothing is left under a backup's name on failure.
    func snapshot(into directory: String, name: String, progress: @escaping (BackupProgress) -> Void) throws -> BackupRecord
    /// What a backup file says of itself (its manifest), unchecked.
    func inspect(_ path: String) throws -> BackupRecord
    /// The check by restore: every page authenticated, SQLite's integrity
    /// check, the rows counted and hashed again and compared with the
    /// manifest. Throws `CabinetError.backup` naming what failed.
    func verify(_ path: String, progress: @escaping (BackupProgress) -> Void) throws -> BackupRecord
    /// Renames a failed backup aside; returns its new path.
    func setAside(_ path: String) throws -> String
    /// Writes the history and the audit trail.
    func record(_ backup: BackupRecord, action: AuditAction, detail: String) throws
    func history() throws -> [BackupRecord]
    func destination() throws -> String?
    /// Recorded with the trail (a setting changed).
    func setDestination(_ directory: String) throws
}

/// A held backup lock.
public protocol BackupHold {
    func release()
}
