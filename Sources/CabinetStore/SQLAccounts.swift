import CabinetCore
import Foundation
import GRDB

/// Accounts and the session's own settings over the vault: key slots, the
/// authenticated list of accounts and the second factor are the vault's
/// (Accounts.swift, Roster.swift); this repository is how the services
/// reach them. No policy here: `AccountsService` decides.
final class SQLAccountRepository: AccountRepository {
    let vault: Vault
    /// Argon2id parameters for the slots it writes (the minimum in tests).
    let kdf: KDFParameters

    init(vault: Vault, kdf: KDFParameters) {
        self.vault = vault
        self.kdf = kdf
    }

    func list() throws -> [AccountInfo] { try vault.listAccounts() }

    func exists(login: String) throws -> Bool {
        if login == "recovery" { return true }
        return try vault.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM account WHERE login = ?", arguments: [login]) ?? false
        }
    }

    func create(login: String, role: Role, displayName: String?) throws -> String {
        try vault.createAccount(login: login, role: role, displayName: displayName, kdf: kdf)
    }

    func reset(login: String, role: Role?) throws -> String { try vault.resetAccount(login: login, role: role, kdf: kdf) }
    func disable(login: String) throws { try vault.disableAccount(login: login) }
    func recordReview() throws { try vault.recordAccountsReview() }
    func lastReview() throws -> Date? { try vault.lastAccountsReview() }
    func changeOwnPassphrase(new: Passphrase) throws {
        try vault.changeOwnPassphrase(new: new, kdf: kdf)
    }
    var hasSecondFactor: Bool { vault.hasSecondFactor }
    func beginSecondFactor(issuer: String) throws -> SecondFactorEnrollment {
        try vault.beginSecondFactorEnrollment(issuer: issuer)
    }
    func confirmSecondFactor(code: String, now: Date) throws { try vault.confirmSecondFactor(code: code, now: now) }
    func disableSecondFactor() throws { try vault.disableSecondFactor() }
    func lockAfterMinutes() throws -> Int { try vault.lockAfterMinutes() }
    func setLockAfterMinutes(_ minutes: Int) throws { try vault.setLockAfterMinutes(minutes) }
    func preference(_ key: String) throws -> String? { try vault.preference(key) }
    func setPreference(_ key: String, _ value: String?) throws { try vault.setPreference(key, value) }

    func practiceIdentity() throws -> PracticeIdentity? {
        let meta = try vault.practiceIdentity()
        guard let name = meta["doctor_name"] else { return nil }
        return PracticeIdentity(doctorName: name, rpps: meta["doctor_rpps"] ?? "", address: meta["practice_address"] ?? "",
                                phone: meta["practice_phone"] ?? "", email: meta["practice_email"] ?? "")
    }

    func rekey(progress: ((Int64, Int64) -> Void)?) throws {
        try vault.rekey(progress: progress)
        try vault.audit(.vaultRekeyed)
    }
}

/// The audit trail over the vault (AuditLog.swift holds the chain).
final class SQLAuditRepository: AuditRepository {
    let vault: Vault

    init(vault: Vault) { self.vault = vault }

    func append(_ action: AuditAction, object: String?, detail: String?) throws {
        try vault.audit(action, object: object, detail: detail)
    }
    func entries(object: String?, since: Date?, limit: Int) throws -> [AuditEntry] {
        try vault.auditEntries(object: object, since: since, limit: limit)
    }
    func verify() throws -> AuditReport { try vault.verifyAudit() }
    func prune(now: Date, keepDays: Int?) throws -> Int { try vault.pruneAudit(now: now, keepDays: keepDays) }
}

/// The one way every repository appends to the trail: the session's chain
/// and signing keys and its name, taken once before the transaction, the
/// entry written inside it (with what it records, or not at all).
struct AuditAppender {
    let key: AuditKey
    let actor: String

    func append(_ db: Database, _ action: AuditAction, object: String? = nil, detail: String? = nil) throws {
        try AuditLog.append(db, key: key, actor: actor, action: action, object: object, detail: detail)
    }
}

extension Vault {
    /// The appender of this session (see `AuditAppender`).
    func auditAppender() throws -> AuditAppender { AuditAppender(key: try auditKey(), actor: session.actor) }

    /// The services of this session over this vault: what both front ends
    /// hold once signed in.
    public func practice(kdf: KDFParameters = .moderate) -> Practice {
        Practice(session: session, repositories: Practice.Repositories(
            patients: SQLPatientRepository(vault: self), agenda: SQLAgendaRepository(vault: self),
            accounts: SQLAccountRepository(vault: self, kdf: kdf), audit: SQLAuditRepository(vault: self),
            backup: SQLBackupRepository(vault: self)))
    }
}
