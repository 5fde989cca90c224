import CabinetCore
import Foundation

/// Backups kept in memory: files are entries of a dictionary, a check
/// fails for the paths the test marks damaged.
public final class InMemoryBackups: BackupRepository {
    public let audit: InMemoryAudit
    public var vaultPath = "/cabinet/vault/cabinet.vault"
    public private(set) var calls: [String] = []
    /// The files "on disk", by path.
    public var files: [String: BackupRecord] = [:]
    /// Paths whose check fails, and how.
    public var damaged: [String: BackupRegion] = [:]
    public var recorded: [BackupRecord] = []
    public var free: Int64 = 1 << 40
    public var needed: Int64 = 1 << 20
    private var running = false

    public init(audit: InMemoryAudit) { self.audit = audit }

    public func clearCalls() { calls = [] }

    private final class Hold: BackupHold {
        let done: () -> Void
        init(_ done: @escaping () -> Void) { self.done = done }
        func release() { done() }
    }

    public func exclusive() throws -> any BackupHold {
        calls.append("exclusive")
        if running { throw CabinetError.backup(.alreadyRunning) }
        running = true
        return Hold { [weak self] in self?.running = false }
    }

    public func space(in directory: String) throws -> (needed: Int64, free: Int64) {
        calls.append("space")
        return (needed, free)
    }

    public func snapshot(into directory: String, name: String,
                         progress: @escaping (BackupProgress) -> Void) throws -> BackupRecord {
        calls.append("snapshot")
        progress(BackupProgress(step: .copy, done: 1, total: 1))
        let r = BackupRecord(path: PathNames.join(directory, name), createdAt: audit.now, createdBy: audit.actor,
                             bytes: needed, pages: needed / 4096, rows: 42, state: .unverified)
        files[r.path] = r
        return r
    }

    public func inspect(_ path: String) throws -> BackupRecord {
        calls.append("inspect")
        guard let r = files[path] else { throw CabinetError.backup(.notFound(path: path)) }
        return r
    }

    public func verify(_ path: String, progress: @escaping (BackupProgress) -> Void) throws -> BackupRecord {
        calls.append("verify")
        guard var r = files[path] else { throw CabinetError.backup(.notFound(path: path)) }
        if let region = damaged[path] { throw CabinetError.backup(.damaged(path: path, region: region)) }
        progress(BackupProgress(step: .verify, done: 1, total: 1))
        r.state = .verified
        return r
    }

    public func setAside(_ path: String) throws -> String {
        calls.append("setAside")
        let target = path + BackupRules.failedSuffix
        files[target] = files.removeValue(forKey: path)
        for i in recorded.indices where recorded[i].path == path { recorded[i].path = target }
        return target
    }

    public func record(_ backup: BackupRecord, action: AuditAction, detail: String) throws {
        calls.append("record")
        recorded.removeAll { $0.path == backup.path }
        recorded.insert(backup, at: 0)
        audit.log(action, detail: detail)
    }

    public var chosenDestination: String?

    public func destination() throws -> String? {
        calls.append("destination")
        return chosenDestination
    }

    public func setDestination(_ directory: String) throws {
        calls.append("setDestination")
        chosenDestination = directory
        audit.log(.settingsChanged, detail: "backup.destination")
    }

    public func history() throws -> [BackupRecord] {
        calls.append("history")
        return recorded
    }
}
