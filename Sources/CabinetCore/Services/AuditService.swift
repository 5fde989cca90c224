import Foundation

/// The audit trail as the practice reads it (PRODUCT.md "Traceability").
public struct AuditService {
    public let session: Session
    let repository: any AuditRepository

    public init(session: Session, repository: any AuditRepository) {
        self.session = session
        self.repository = repository
    }

    func require(_ privilege: Privilege) throws { try AccessPolicy.check(session, privilege) }

    /// Days an access trace may be kept: 30 days to 10 years (6 months by
    /// default, ../shared/seeds/000_8e655f28ba827d0f.txt l.1429).
    public static let retentionRange = 30...3650

    /// Records an event of the session itself (a lock, a sign-out…).
    public func record(_ action: AuditAction, object: String? = nil, detail: String? = nil) throws {
        try repository.append(action, object: object, detail: detail)
    }

    public func entries(object: String? = nil, since: Date? = nil, limit: Int = 1000) throws -> [AuditEntry] {
        try require(.readAudit)
        return try repository.entries(object: object, since: since, limit: limit)
    }

    /// The chain checked as part of the whole vault's check (every role).
    public func verify() throws -> AuditReport {
        try require(.verifyVault)
        return try repository.verify()
    }

    /// The trail checked on its own by someone who may read it; the check
    /// itself is logged with its outcome.
    public func check() throws -> AuditReport {
        try require(.readAudit)
        let report = try repository.verify()
        try repository.append(.auditVerified, object: nil, detail: report.firstBad.map { "bad \($0)" } ?? "ok")
        return report
    }

    /// Drops access traces past their retention (6 months by default:
    /// ../shared/seeds/000_8e655f28ba827d0f.txt l.1429): the holder only;
    /// `keepDays` also changes the retention, a setting.
    public func prune(now: Date = Date(), keepDays: Int? = nil) throws -> Int {
        try require(.manageAccounts)
        if let keepDays {
            try require(.changeSettings)
            guard Self.retentionRange.contains(keepDays) else { throw CabinetError.usage(key: "error.retention") }
        }
        return try repository.prune(now: now, keepDays: keepDays)
    }
}
