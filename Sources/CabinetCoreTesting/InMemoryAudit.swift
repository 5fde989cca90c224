import CabinetCore
import Foundation

// In-memory repositories for the services' tests: they keep what the SQL
// store keeps and append to the trail what it appends, and decide nothing
// the services decide (as GRDB's tests use an in-memory database, not a
// double that re-implements the rules). Each one logs the calls it
// receives (`calls`), so a test can prove that a refused call never
// reached it. Fictitious data only; nothing is written to disk.

/// The audit trail in memory. The other in-memory repositories append to it
/// what their SQL counterparts log inside their own transactions (`log`,
/// which is not a call of this repository); `append` and the rest are the
/// protocol's calls, recorded in `calls`.
public final class InMemoryAudit: AuditRepository {
    /// The name written in each entry (the session's `actor`).
    public var actor: String
    /// The instant of the entries whose operation is not given one.
    public var now: Date
    /// Every entry kept, oldest first.
    public private(set) var trail: [AuditEntry] = []
    /// The protocol calls received, by name, in order.
    public private(set) var calls: [String] = []
    /// The retention of access traces in days (the store's default: 183),
    /// changed by `prune(keepDays:)`.
    public private(set) var retentionDays = 183
    /// What `verify` answers instead of checking the kept trail (a test
    /// simulating an altered trail sets it).
    public var verifyReport: AuditReport?
    private var nextSeq: Int64 = 1

    public init(actor: String, now: Date) {
        self.actor = actor
        self.now = now
    }

    /// Forgets the calls received so far (the entries stay).
    public func clearCalls() { calls.removeAll() }

    /// The actions of the trail, oldest first (their stored raw values).
    public var actions: [String] { trail.map(\.action) }

    /// The entries of one action, oldest first.
    public func entries(_ action: AuditAction) -> [AuditEntry] { trail.filter { $0.action == action.rawValue } }

    /// Whether an entry of `action` (and, when given, that object and
    /// detail) was appended.
    public func contains(_ action: AuditAction, object: String? = nil, detail: String? = nil) -> Bool {
        trail.contains {
            $0.action == action.rawValue && (object == nil || $0.object == object) && (detail == nil || $0.detail == detail)
        }
    }

    /// Appends an entry as a repository's own write does (not a call).
    public func log(_ action: AuditAction, object: String? = nil, detail: String? = nil, at: Date? = nil) {
        trail.append(AuditEntry(seq: nextSeq, at: at ?? now, actor: actor, action: action.rawValue, object: object,
                                detail: detail))
        nextSeq += 1
    }

    /// The trail's length, to roll a failed transaction back to.
    var mark: Int { trail.count }

    /// Drops what a failed transaction appended (sequence numbers are not
    /// reused, as SQLite's AUTOINCREMENT does not reuse them).
    func rollBack(to mark: Int) {
        if trail.count > mark { trail.removeLast(trail.count - mark) }
    }

    // MARK: AuditRepository

    public func append(_ action: AuditAction, object: String?, detail: String?) throws {
        calls.append("append")
        log(action, object: object, detail: detail)
    }

    /// Newest first, as the store lists them; the viewing is logged.
    public func entries(object: String?, since: Date?, limit: Int) throws -> [AuditEntry] {
        calls.append("entries")
        let found = trail.reversed().filter { e in
            (object == nil || e.object == object) && (since.map { e.at >= $0 } ?? true)
        }.prefix(max(limit, 0))
        log(.auditViewed, object: object)
        return Array(found)
    }

    public func verify() throws -> AuditReport {
        calls.append("verify")
        if let verifyReport { return verifyReport }
        return AuditReport(entries: trail.count, firstSeq: trail.first?.seq ?? nextSeq)
    }

    /// Drops the entries older than the retention (a new retention, with
    /// `keepDays`, saved and logged first); logs the pruning when anything
    /// went. The retention is clamped to 30 days…10 years, as the store
    /// clamps its setting.
    public func prune(now: Date, keepDays: Int?) throws -> Int {
        calls.append("prune")
        if let keepDays {
            retentionDays = keepDays
            log(.settingsChanged, detail: "audit_retention_days=\(keepDays)", at: now)
        }
        let days = min(max(retentionDays, 30), 3650)
        let cutoff = now.addingTimeInterval(-Double(days) * 86_400)
        // As the store: everything up to the last entry older than the cutoff.
        guard let last = trail.lastIndex(where: { $0.at < cutoff }) else { return 0 }
        let count = last + 1
        trail.removeFirst(count)
        log(.auditPruned, detail: "\(count) < \(Int64(cutoff.timeIntervalSince1970))", at: now)
        return count
    }
}
