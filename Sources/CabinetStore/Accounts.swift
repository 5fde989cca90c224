import CSodium
import CabinetCore
import CabinetTOTP
import Foundation
import GRDB

extension SlotRole {
    /// The practice role behind a slot; the recovery key acts as the holder.
    var practiceRole: Role {
        switch self {
        case .doctor, .recovery: return .doctor
        case .replacement: return .replacement
        case .secretary: return .secretary
        }
    }

    init(_ role: Role) {
        switch role {
        case .doctor: self = .doctor
        case .replacement: self = .replacement
        case .secretary: self = .secretary
        }
    }
}

extension Vault {
    /// Who is acting in this session.
    public var session: Session {
        Session(login: login, role: role.practiceRole, viaRecoveryKey: role == .recovery)
    }

    /// Appends to the audit trail in its own transaction.
    package func audit(_ action: AuditAction, object: String? = nil, detail: String? = nil) throws {
        let actor = session.actor
        _ = try write { db in
            try AuditLog.append(db, key: try auditKey(db), actor: actor, action: action, object: object, detail: detail)
        }
    }

    func auditKey() throws -> AuditKey {
        try read { db in try auditKey(db) }
    }

    // MARK: - Sign-in

    /// Signs in with a passphrase: the attempt delay, the key slot, the
    /// second factor for accounts that have one, and the audit trail.
    public static func signIn(at path: String, login: String, passphrase: Passphrase, totp: String? = nil,
                              now: Date = Date()) throws -> Vault {
        try signIn(at: path, login: login, passphrase: passphrase, totp: totp, now: now, kdfOverride: nil)
    }

    static func signIn(at path: String, login: String, passphrase: Passphrase, totp: String?, now: Date,
                       kdfOverride: KDFParameters?) throws -> Vault {
        let vault = try unlockCountingAttempts(at: path, login: login, passphrase: passphrase, now: now, openDatabase: true)
        do {
            try vault.completeSignIn(totp: totp, now: now)
        } catch {
            vault.lock()
            throw error
        }
        return vault
    }

    /// The key slot only, with the attempt delay: a wrong passphrase counts
    /// as a failure and the delay is enforced before any key derivation.
    ///
    /// The attempts file stays locked from the delay check until the failure
    /// is written: a second attempt on this vault (another thread, another
    /// desk, a script firing in parallel) waits for the first one's outcome,
    /// then sees its failure and its delay. Without this, parallel tries were
    /// all checked before any of them had failed, and all evaluated. Attempts
    /// on one vault are therefore taken one at a time, whatever the login:
    /// each turn is at most one key derivation (about half a second).
    public static func unlockCountingAttempts(at path: String, login: String, passphrase: Passphrase, now: Date = Date(),
                                              openDatabase: Bool) throws -> Vault {
        try checkOpenable(path)
        let attempts = AttemptsFile(vaultPath: path)
        // An unknown login is not written as typed (it may be a passphrase
        // typed in the wrong field): only its occurrence is recorded.
        let known = (try? Envelope.read(path: path).0.slot(login: login)) != nil
        let who = known ? login : "?"
        let started = Date()
        let vault: Vault = try attempts.locked { file in
            // The clock moves while this attempt waits for its turn.
            let checkedAt = now.addingTimeInterval(max(0, Date().timeIntervalSince(started)))
            let wait = try file.update { $0.wait(for: who, now: checkedAt) }
            if wait > 0 { throw CabinetError.session(.tooManyAttempts(seconds: wait)) }
            let derivation = Date()
            do {
                return try unlock(at: path, login: login, passphrase: passphrase, openDatabase: false)
            } catch CabinetError.session(.wrongPassphrase) {
                // The wait counts from the failure, not from the start of the
                // attempt: the key derivation must not eat the first delays.
                let failedAt = checkedAt.addingTimeInterval(max(0, Date().timeIntervalSince(derivation)))
                try file.update { $0.recordFailure(who, reason: known ? "passphrase" : "unknown-login", now: failedAt) }
                throw CabinetError.session(.wrongPassphrase)
            }
        }
        // The database outside the turn: opening it may wait for the other
        // desk's transaction, which must not hold up the other's sign-in.
        if openDatabase {
            do { try vault.openDatabase() } catch { vault.lock(); throw error }
        }
        return vault
    }

    /// Completes a sign-in on an unlocked vault: the second factor for
    /// accounts that enrolled one (not for the recovery key: bypassed and
    /// logged), failures waiting in the attempts file copied into the trail,
    /// and the sign-in itself logged. Locks the vault on failure.
    public func completeSignIn(totp: String?, now: Date = Date()) throws {
        do {
            if database == nil { try openDatabase() }
            let key = try auditKey()
            let attempts = AttemptsFile(vaultPath: path)
            let viaRecovery = session.viaRecoveryKey
            var usedStep: Int64?
            if !viaRecovery, let secret = try secondFactorSecret(login: login) {
                guard let code = totp, !code.isEmpty else { throw CabinetError.session(.secondFactorRequired) }
                let me = login
                let last = try read { db in
                    try Int64.fetchOne(db, sql: "SELECT totp_last_step FROM account WHERE login = ?", arguments: [me])
                }
                guard let step = TOTP(secret: secret).validate(code, at: now, lastUsedStep: last) else {
                    try attempts.recordFailure(login, reason: "totp", now: now)
                    throw CabinetError.session(.wrongSecondFactor)
                }
                usedStep = step
            }
            let failures = try attempts.recordSuccess(viaRecovery ? "recovery" : login)
            let actor = session.actor, me = login
            _ = try write { db in
                for f in failures {
                    try AuditLog.append(db, key: key, actor: f.login, action: .signInFailed, detail: f.reason,
                                        at: Date(timeIntervalSince1970: f.at))
                }
                if let usedStep {
                    try db.execute(sql: "UPDATE account SET totp_last_step = ? WHERE login = ?", arguments: [usedStep, me])
                    try AuditLog.append(db, key: key, actor: actor, action: .totpUsed)
                }
                try AuditLog.append(db, key: key, actor: actor, action: .signIn, detail: viaRecovery ? "recovery-key" : nil)
                if viaRecovery { try AuditLog.append(db, key: key, actor: actor, action: .totpBypassed) }
                // Access traces older than the retention go at each sign-in.
                // Only a session that can check the doctors' settings prunes
                // (format 1: every session, as before the list existed).
                if rosterTrusted || roster == nil {
                    _ = try AuditLog.prune(db, key: key, actor: actor, before: now.addingTimeInterval(-auditRetention(db)))
                }
                // A doctor's sign-in checkpoints the trail (Trust.swift).
                try checkpointAtSignIn(db)
            }
            if rosterTrusted { try recordDatabaseSize() }
            try rewrapComposedPassphrase()
        } catch CabinetError.session(.secondFactorRequired) {
            // Left unlocked so that the caller can ask for the code and call
            // again; the caller locks when it cannot.
            throw CabinetError.session(.secondFactorRequired)
        } catch {
            lock()
            throw error
        }
    }

    /// Signs in with the recovery key: the holder's rights, the second
    /// factor bypassed, both logged.
    public static func signIn(at path: String, recoveryKey: String) throws -> Vault {
        let vault = try unlock(at: path, recoveryKey: recoveryKey)
        try vault.completeSignIn(totp: nil)
        return vault
    }

    /// Signs out: logged, then the keys are wiped.
    public func signOut() {
        try? audit(.signOut)
        lock()
    }

    // MARK: - Accounts

    /// A one-time passphrase: 4 groups of 5 characters from an alphabet
    /// without look-alikes, upper and lower case and digits, joined by dashes
    /// (so it meets the policy).
    static func oneTimePassphrase() -> String {
        while true {
            // A draw lacking a character class (about 1 in 20) is drawn again;
            // the strength estimate itself accepts every draw
            // (PassphrasePolicyTests: 200 draws, each accepted or short of a class only).
            let s = oneTimeCandidate()
            if PassphrasePolicy().problems(s).isEmpty { return s }
        }
    }

    /// One draw: 20 characters from 55, about 115 bits.
    static func oneTimeCandidate() -> String {
        let upper = Array("ABCDEFGHJKMNPQRSTUVWXYZ"), lower = Array("abcdefghijkmnpqrstuvwxyz"), digits = Array("23456789")
        let all = upper + lower + digits
        func pick(_ a: [Character]) -> Character { a[Int(randombytes_uniform(UInt32(a.count)))] }
        return (0..<4).map { _ in String((0..<5).map { _ in pick(all) }) }.joined(separator: "-")
    }

    /// Creates an account; returns its one-time passphrase (to be changed at
    /// first sign-in).
    func createAccount(login newLogin: String, role newRole: Role, displayName: String? = nil) throws -> String {
        try createAccount(login: newLogin, role: newRole, displayName: displayName, kdf: .moderate)
    }

    func createAccount(login newLogin: String, role newRole: Role, displayName: String?, kdf: KDFParameters) throws -> String {
        let oneTime = Self.oneTimePassphrase()
        try createAccount(login: newLogin, role: newRole, displayName: displayName, passphrase: Passphrase(oneTime),
                          mustChange: true, kdf: kdf)
        return oneTime
    }

    /// An account of the demonstration cabinet: its published passphrase,
    /// no forced change. Refused on a vault that is not a demo.
    public func createDemoAccount(login newLogin: String, role newRole: Role, passphrase: Passphrase) throws {
        let demo = try read { db in try String.fetchOne(db, sql: "SELECT value FROM cabinet_meta WHERE key = 'demo'") }
        guard demo == "1" else { throw CabinetError.permissionDenied(operation: Privilege.manageAccounts.rawValue) }
        try createAccount(login: newLogin, role: newRole, displayName: nil, passphrase: passphrase, mustChange: false,
                          kdf: .moderate)
    }

    func createAccount(login newLogin: String, role newRole: Role, displayName: String?, passphrase: Passphrase,
                       mustChange: Bool, kdf: KDFParameters) throws {
        let exists = try read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM account WHERE login = ?", arguments: [newLogin]) ?? false
        }
        if exists || newLogin == "recovery" { throw CabinetError.accounts(.exists(login: newLogin)) }
        try addSlot(login: newLogin, role: SlotRole(newRole), passphrase: passphrase, mustChange: mustChange, kdf: kdf)
        let key = try auditKey(), actor = session.actor
        _ = try write { db in
            try db.execute(sql: "INSERT INTO account(login, role, display_name, created_at, created_by) VALUES (?, ?, ?, ?, ?)",
                           arguments: [newLogin, newRole.rawValue, displayName, AuditLog.timestamp(Date()), actor])
            try AuditLog.append(db, key: key, actor: actor, action: .accountCreated, object: newLogin, detail: newRole.rawValue)
        }
    }

    /// Every account, enabled or not, with its last sign-in.
    func listAccounts() throws -> [AccountInfo] {
        let slots = Dictionary(envelope.slots.filter { !$0.isRecovery }.map { ($0.login, $0) }, uniquingKeysWith: { a, _ in a })
        return try read { db in
            try Row.fetchAll(db, sql: """
                SELECT a.*, (SELECT max(at) FROM audit WHERE actor = a.login AND action = 'signin') AS last_signin
                FROM account a ORDER BY a.login
                """).map { row in
                let login: String = row["login"]
                // The role from the authenticated list when there is one
                // (the row is under the data key only).
                let listed = roster?.entry(login: login)?.role.practiceRole
                return AccountInfo(
                    login: login, role: listed ?? Role(rawValue: row["role"]) ?? .secretary, displayName: row["display_name"],
                    createdAt: AuditLog.date(row["created_at"]), createdBy: row["created_by"],
                    disabledAt: (row["disabled_at"] as String?).map(AuditLog.date),
                    hasSecondFactor: (row["totp_sealed"] as Data?) != nil,
                    lastSignIn: (row["last_signin"] as String?).map(AuditLog.date),
                    hasSlot: slots[login] != nil, mustChangePassphrase: slots[login]?.mustChange ?? false)
            }
        }
    }

    /// Disables an account: its slot is removed (it can no longer sign in);
    /// the record stays for the audit trail. The holder cannot disable
    /// themselves nor the last holder.
    func disableAccount(login target: String) throws {
        // Driven by the key slot and the authenticated list, not by the
        // account row (under the data key only: a row deleted, marked
        // disabled or given another role must not keep a slot alive).
        let info = try read { db in try Row.fetchOne(db, sql: "SELECT role, disabled_at FROM account WHERE login = ?", arguments: [target]) }
        let hasSlot = envelope.slots.contains { !$0.isRecovery && $0.login == target }
        let listedSlot = roster?.entry(login: target)?.slot != nil
        let rowEnabled = info.map { ($0["disabled_at"] as String?) == nil } ?? false
        guard hasSlot || listedSlot || rowEnabled else { throw CabinetError.accounts(.notFound(login: target)) }
        let role = listedRole(target)?.practiceRole ?? info.flatMap { Role(rawValue: $0["role"]) } ?? .secretary
        if role == .doctor {
            let holders = envelope.slots.filter { (listedRole($0.login) ?? $0.role) == .doctor && !$0.isRecovery }.count
            if holders <= 1 { throw CabinetError.accounts(.lastHolder) }
        }
        if hasSlot {
            try removeSlot(login: target)
        } else if listedSlot, rosterTrusted {
            _ = try write { db in try updateRoster(db) { r in
                if let i = r.accounts.firstIndex(where: { $0.login == target }) { r.accounts[i].slot = nil; r.accounts[i].secondFactor = false }
            } }
        }
        let key = try auditKey(), actor = session.actor
        _ = try write { db in
            let now = AuditLog.timestamp(Date())
            if info == nil {
                // The row was removed: put it back for the trail's sake.
                try db.execute(sql: """
                    INSERT INTO account(login, role, created_at, created_by, disabled_at, disabled_by) VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [target, role.rawValue, now, actor, now, actor])
            }
            try db.execute(sql: "UPDATE account SET disabled_at = ?, disabled_by = ?, totp_sealed = NULL, totp_pending = NULL WHERE login = ?",
                           arguments: [now, actor, target])
            // Its draft could only be opened by the slot just removed.
            try db.execute(sql: "DELETE FROM draft WHERE login = ?", arguments: [target])
            try AuditLog.append(db, key: key, actor: actor, action: .accountDisabled, object: target)
        }
    }


    /// Resets an account: a new slot with a one-time passphrase (changed at
    /// next sign-in), its second factor removed; optionally a new role.
    func resetAccount(login target: String, role newRole: Role? = nil) throws -> String {
        try resetAccount(login: target, role: newRole, kdf: .moderate)
    }

    func resetAccount(login target: String, role newRole: Role?, kdf: KDFParameters) throws -> String {
        let info = try read { db in try Row.fetchOne(db, sql: "SELECT role FROM account WHERE login = ?", arguments: [target]) }
        guard let info else { throw CabinetError.accounts(.notFound(login: target)) }
        // The role from the authenticated list: the account row is under the
        // data key only (a row edited to "doctor" must not earn a doctor's
        // slot at the next reset).
        let oldRole = listedRole(target)?.practiceRole ?? Role(rawValue: info["role"]) ?? .secretary
        let role = newRole ?? oldRole
        if oldRole == .doctor && role != .doctor {
            // The practice keeps a holder: not the last one demoted (not even
            // from a recovery-key session), nor oneself.
            let holders = envelope.slots.filter {
                (listedRole($0.login) ?? $0.role) == .doctor && !$0.isRecovery && $0.login != target
            }.count
            if holders == 0 || target == login { throw CabinetError.accounts(.lastHolder) }
        }
        let oneTime = Self.oneTimePassphrase()
        var secret = Array(oneTime.utf8)
        defer { secret.wipe() }
        guard let dataKey = dataKeyForMaintenance else { throw CabinetError.session(.notSignedIn) }
        let clinical: SecureBytes? = SlotRole(role).holdsClinicalKey ? clinicalKeyForSealing : nil
        if SlotRole(role).holdsClinicalKey && clinical == nil { throw CabinetError.permissionDenied(operation: Privilege.manageAccounts.rawValue) }
        let (slot, sk) = try KeySlot.makeWithSecret(role: SlotRole(role), login: target, mustChange: true, secret: secret,
                                                    kdf: kdf, vaultID: vaultID, dataKey: dataKey, clinicalKey: clinical)
        // The list first (new slot key, new signing key, no second factor),
        // then the envelope: the old slot is unlisted from here on.
        try list(slot, sk: sk, secondFactor: false)
        try updateEnvelope { env in
            env.slots.removeAll { !$0.isRecovery && $0.login == target }
            if env.slots.count >= Envelope.maxSlots { throw CabinetError.vault(.tooManySlots) }
            env.slots.append(slot)
        }
        let key = try auditKey(), actor = session.actor
        _ = try write { db in
            try db.execute(sql: """
                UPDATE account SET role = ?, disabled_at = NULL, disabled_by = NULL, totp_sealed = NULL,
                                   totp_pending = NULL, totp_last_step = NULL WHERE login = ?
                """, arguments: [role.rawValue, target])
            // The old slot's draft key is gone with it.
            try db.execute(sql: "DELETE FROM draft WHERE login = ?", arguments: [target])
            try AuditLog.append(db, key: key, actor: actor, action: .accountReset, object: target)
            if role != oldRole {
                try AuditLog.append(db, key: key, actor: actor, action: .roleChanged, object: target,
                                    detail: "\(oldRole.rawValue) -> \(role.rawValue)")
            }
        }
        return oneTime
    }

    /// Records the yearly review of accounts (../shared/seeds/002 §10).
    func recordAccountsReview() throws {
        try audit(.accountsReviewed)
        _ = try write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO cabinet_meta(key, value) VALUES ('accounts_reviewed_at', ?)",
                           arguments: [AuditLog.timestamp(Date())])
        }
    }

    func lastAccountsReview() throws -> Date? {
        try read { db in
            try String.fetchOne(db, sql: "SELECT value FROM cabinet_meta WHERE key = 'accounts_reviewed_at'").map(AuditLog.date)
        }
    }

    /// Changes this session's passphrase and logs it.
    func changeOwnPassphrase(new: Passphrase, kdf: KDFParameters) throws {
        try changePassphrase(new: new, kdf: kdf)
        try audit(.passphraseChanged, object: login)
    }

    // MARK: - Second factor

    private func sealOwn(_ secret: [UInt8], purpose: String) throws -> Data {
        guard let sk = slotSecretKey else { throw CabinetError.session(.notSignedIn) }
        let s = SecureBytes.copy(secret)
        return Data(aeadSeal(s, key: KeySlot.ownKey(sk: sk, purpose: purpose), ad: Array(login.utf8) + vaultID))
    }

    private func openOwn(_ sealed: Data, purpose: String, for account: String) throws -> [UInt8]? {
        guard account == login, let sk = slotSecretKey else { return nil }
        guard let s = aeadOpen([UInt8](sealed), key: KeySlot.ownKey(sk: sk, purpose: purpose), ad: Array(login.utf8) + vaultID)
        else { return nil }
        return s.withBytes { Array(UnsafeBufferPointer(start: $0, count: s.count)) }
    }

    /// The second factor's secret of this session's own account, if active.
    func secondFactorSecret(login account: String) throws -> [UInt8]? {
        let sealed = try read { db in
            try Data.fetchOne(db, sql: "SELECT totp_sealed FROM account WHERE login = ?", arguments: [account])
        }
        guard let sealed else { return nil }
        // Active but not readable by this slot: the envelope or the row was
        // altered. Refuse rather than skip the second factor.
        guard let secret = try openOwn(sealed, purpose: "totp", for: account) else { throw CabinetError.integrity(.envelopeAltered) }
        return secret
    }

    var hasSecondFactor: Bool {
        (try? read { db in
            try Data.fetchOne(db, sql: "SELECT totp_sealed FROM account WHERE login = ?", arguments: [login])
        }) != nil
    }

    /// Starts enrolling a second factor for this session's account (doctors):
    /// a new secret, shown once; active only after `confirmSecondFactor`.
    func beginSecondFactorEnrollment(issuer: String) throws -> SecondFactorEnrollment {
        guard !session.viaRecoveryKey else { throw CabinetError.accounts(.secondFactorNotForRole) }
        let active = try read { db in
            try Data.fetchOne(db, sql: "SELECT totp_sealed FROM account WHERE login = ?", arguments: [login])
        }
        if active != nil { throw CabinetError.accounts(.secondFactorAlreadyActive) }
        var secret = TOTP.generateSecret()
        defer { secret.wipe() }
        let sealed = try sealOwn(secret, purpose: "totp")
        let me = login
        _ = try write { db in
            try db.execute(sql: "UPDATE account SET totp_pending = ? WHERE login = ?", arguments: [sealed, me])
        }
        let totp = TOTP(secret: secret)
        return SecondFactorEnrollment(secretBase32: Base32.encode(secret), uri: totp.otpauthURI(issuer: issuer, account: me))
    }

    /// Activates the pending second factor once one code from the phone matches.
    func confirmSecondFactor(code: String, now: Date = Date()) throws {
        let me = login
        let pending = try read { db in
            try Data.fetchOne(db, sql: "SELECT totp_pending FROM account WHERE login = ?", arguments: [me])
        }
        guard let pending, var secret = try openOwn(pending, purpose: "totp", for: me) else {
            throw CabinetError.accounts(.secondFactorNotPending)
        }
        defer { secret.wipe() }
        guard let step = TOTP(secret: secret).validate(code, at: now, lastUsedStep: nil) else {
            throw CabinetError.session(.wrongSecondFactor)
        }
        let key = try auditKey()
        _ = try write { db in
            try db.execute(sql: "UPDATE account SET totp_sealed = totp_pending, totp_pending = NULL, totp_last_step = ? WHERE login = ?",
                           arguments: [step, me])
            // Required from now on, on the list only doctors can write.
            if rosterTrusted { try updateRoster(db) { r in r.setSecondFactor(me, true) } }
            try AuditLog.append(db, key: key, actor: me, action: .totpEnrolled)
        }
    }

    /// Removes this session's second factor.
    func disableSecondFactor() throws {
        // The recovery key has no factor of its own; a holder who lost the
        // phone resets the account instead (`user reset`).
        guard !session.viaRecoveryKey else { throw CabinetError.accounts(.secondFactorNotForRole) }
        let me = login, key = try auditKey()
        _ = try write { db in
            try db.execute(sql: "UPDATE account SET totp_sealed = NULL, totp_pending = NULL, totp_last_step = NULL WHERE login = ?",
                           arguments: [me])
            if rosterTrusted { try updateRoster(db) { r in r.setSecondFactor(me, false) } }
            try AuditLog.append(db, key: key, actor: me, action: .totpDisabled)
        }
    }

    // MARK: - Audit trail

    func auditEntries(object: String? = nil, since: Date? = nil, limit: Int = 1000) throws -> [AuditEntry] {
        let entries = try read { db in try AuditLog.list(db, object: object, since: since, limit: limit) }
        try audit(.auditViewed, object: object)
        return entries
    }

    /// Verifies the chain (reveals nothing of the entries: part of
    /// verifying the vault, open to every role).
    func verifyAudit() throws -> AuditReport {
        var report = try read { db in try AuditLog.verify(db, key: try AuditLog.key(db), trust: try auditTrust(db)) }
        // What this desk's witness or the sign-in's check found.
        if report.isOK, case .checkpoint(let seq)? = trailFinding {
            report.firstBad = seq
            report.finding = trailFinding
        }
        return report
    }

    /// Prunes access traces older than the retention (6 months by default,
    /// ../shared/seeds/000_8e655f28ba827d0f.txt l.1429).
    @discardableResult
    func pruneAudit(now: Date = Date(), keepDays: Int? = nil) throws -> Int {
        let key = try auditKey(), actor = session.actor
        return try write { db in
            if let keepDays {
                try db.execute(sql: "INSERT OR REPLACE INTO cabinet_meta(key, value) VALUES ('audit_retention_days', ?)",
                               arguments: [String(keepDays)])
                try stampSettings(db)
                try AuditLog.append(db, key: key, actor: actor, action: .settingsChanged, detail: "audit_retention_days=\(keepDays)")
            }
            return try AuditLog.prune(db, key: key, actor: actor, before: now.addingTimeInterval(-auditRetention(db)))
        }
    }

    /// Days an access trace may be kept (`AuditService.retentionRange`).
    static let retentionRange = AuditService.retentionRange

    /// The retention of access traces: the doctors' setting when it
    /// authenticates (Trust.swift, `settingsHold`), else the default 183
    /// days; clamped to the range the setting accepts.
    func auditRetention(_ db: Database) throws -> TimeInterval {
        let stored = try String.fetchOne(db, sql: "SELECT value FROM cabinet_meta WHERE key = 'audit_retention_days'")
            .flatMap(Int.init)
        let days = min(max((try settingsHold(db) ? stored : nil) ?? 183, Self.retentionRange.lowerBound),
                       Self.retentionRange.upperBound)
        return Double(days) * 86_400
    }

    // MARK: - Settings

    /// Minutes without a key before the interface locks itself: 1 to 30
    /// (../shared/seeds/000_8e655f28ba827d0f.txt l.365: at most 30 minutes),
    /// 10 by default.
    static let lockAfterRange = AccountsService.lockAfterRange

    func lockAfterMinutes() throws -> Int {
        try read { db in
            // A doctor's desk ignores a delay written outside Cabinet; the
            // front desk cannot check it (her own desk's delay, clamped).
            if rosterTrusted, try !settingsHold(db) { return 10 }
            return try String.fetchOne(db, sql: "SELECT value FROM cabinet_meta WHERE key = 'lock_after_minutes'")
                .flatMap(Int.init).map { min(max($0, 1), 30) } ?? 10
        }
    }

    func setLockAfterMinutes(_ minutes: Int) throws {
        let key = try auditKey(), actor = session.actor
        _ = try write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO cabinet_meta(key, value) VALUES ('lock_after_minutes', ?)",
                           arguments: [String(minutes)])
            try stampSettings(db)
            try AuditLog.append(db, key: key, actor: actor, action: .settingsChanged, detail: "lock_after_minutes=\(minutes)")
        }
    }
}
