import CabinetCore
import Foundation

/// The accounts in memory: a row per account, a "slot" flag in place of the
/// key slot, the session's own passphrase and second factor, and the
/// settings. It refuses what the store refuses (an existing login, the last
/// holder, an unknown account); the login rule and the lock delay's bounds
/// are the service's.
public final class InMemoryAccounts: AccountRepository {
    /// An account as kept.
    public struct StoredAccount: Sendable, Equatable {
        public let login: String
        public internal(set) var role: Role
        public let displayName: String?
        public let createdAt: Date
        public let createdBy: String
        public internal(set) var disabledAt: Date?
        public internal(set) var hasSecondFactor: Bool
        public internal(set) var hasSlot: Bool
        public internal(set) var mustChangePassphrase: Bool
        public internal(set) var passphrase: Passphrase

        public var info: AccountInfo {
            AccountInfo(login: login, role: role, displayName: displayName, createdAt: createdAt, createdBy: createdBy,
                        disabledAt: disabledAt, hasSecondFactor: hasSecondFactor, lastSignIn: nil, hasSlot: hasSlot,
                        mustChangePassphrase: mustChangePassphrase)
        }
    }

    /// The session's login.
    public private(set) var login: String
    public private(set) var accounts: [String: StoredAccount] = [:]
    /// Names no account may take.
    public var reserved: Set<String> = ["recovery"]
    /// The code `confirmSecondFactor` accepts.
    public var acceptedCode = "123456"
    /// The secret `beginSecondFactor` hands out (RFC 4648's example:
    /// fictitious, never a real account's).
    public var enrollmentSecret = "JBSWY3DPEHPK3PXP"
    /// When set, the one-time passphrase every `create` hands out (else
    /// "passe-unique-fictive-1", "-2"…).
    public var createdPassphrase: String?
    /// When set, the one-time passphrase every `reset` hands out.
    public var resetPassphrase: String?
    /// The lock delay in minutes (a test may set it beforehand: seeding).
    public var lockAfter = 10
    /// The session's preferences ("language"…); a test may set them beforehand.
    public var preferences: [String: String] = [:]
    public var identity: PracticeIdentity?
    public private(set) var reviewedAt: Date?
    /// The re-keys done.
    public private(set) var rekeys = 0
    /// The pages a re-key reports (`progress`), one by default.
    public var rekeyPages: Int64 = 1
    /// When set, a re-key reports its first page, then waits on it before
    /// ending (long work held by a test, from the thread running it).
    public var rekeyGate: DispatchSemaphore?
    /// When set, the next re-key throws it (another desk open…) and does
    /// nothing; it is cleared then.
    public var rekeyError: CabinetError?
    /// The protocol calls received, by name, in order.
    public private(set) var calls: [String] = []
    public let audit: InMemoryAudit
    private var pendingSecret: String?
    private var issued = 0

    /// The session's own account exists, with `passphrase`.
    public init(audit: InMemoryAudit, login: String, role: Role, passphrase: Passphrase = "phrase de passe fictive") {
        self.audit = audit
        self.login = login
        seed(login: login, role: role, passphrase: passphrase)
    }

    public func clearCalls() { calls.removeAll() }

    /// Adds an account as if created earlier (not a call, not logged).
    public func seed(login: String, role: Role, displayName: String? = nil, passphrase: Passphrase = "phrase de passe fictive") {
        accounts[login] = StoredAccount(login: login, role: role, displayName: displayName, createdAt: audit.now, createdBy: "install",
                                        disabledAt: nil, hasSecondFactor: false, hasSlot: true, mustChangePassphrase: false,
                                        passphrase: passphrase)
    }

    /// The repository now acts for `login` (another desk): its account is
    /// seeded when missing (not a call, not logged).
    public func signIn(login: String, role: Role) {
        self.login = login
        if accounts[login] == nil { seed(login: login, role: role) }
    }

    private func oneTimePassphrase(_ fixed: String?) -> String {
        issued += 1
        return fixed ?? "passe-unique-fictive-\(issued)"
    }

    private var holders: [StoredAccount] { accounts.values.filter { $0.role == .doctor && $0.hasSlot } }

    private var own: StoredAccount {
        get throws {
            guard let me = accounts[login], me.hasSlot else { throw CabinetError.session(.accountDisabled(login: login)) }
            return me
        }
    }

    // MARK: AccountRepository

    public func list() throws -> [AccountInfo] {
        calls.append("list")
        return accounts.values.sorted { $0.login < $1.login }.map(\.info)
    }

    public func exists(login: String) throws -> Bool {
        calls.append("exists")
        return accounts[login] != nil || reserved.contains(login)
    }

    public func create(login new: String, role: Role, displayName: String?) throws -> String {
        calls.append("create")
        if accounts[new] != nil || reserved.contains(new) { throw CabinetError.accounts(.exists(login: new)) }
        let oneTime = oneTimePassphrase(createdPassphrase)
        accounts[new] = StoredAccount(login: new, role: role, displayName: displayName, createdAt: audit.now, createdBy: audit.actor,
                                      disabledAt: nil, hasSecondFactor: false, hasSlot: true, mustChangePassphrase: true,
                                      passphrase: Passphrase(oneTime))
        audit.log(.accountCreated, object: new, detail: role.rawValue)
        return oneTime
    }

    /// As the store: the practice keeps a holder (neither the last one nor
    /// oneself demoted).
    public func reset(login target: String, role newRole: Role?) throws -> String {
        calls.append("reset")
        guard var account = accounts[target] else { throw CabinetError.accounts(.notFound(login: target)) }
        let oldRole = account.role
        let role = newRole ?? oldRole
        if oldRole == .doctor && role != .doctor {
            let others = holders.filter { $0.login != target }.count
            if others == 0 || target == login { throw CabinetError.accounts(.lastHolder) }
        }
        let oneTime = oneTimePassphrase(resetPassphrase)
        account.role = role
        account.disabledAt = nil
        account.hasSlot = true
        account.hasSecondFactor = false
        account.mustChangePassphrase = true
        account.passphrase = Passphrase(oneTime)
        accounts[target] = account
        audit.log(.accountReset, object: target)
        if role != oldRole { audit.log(.roleChanged, object: target, detail: "\(oldRole.rawValue) -> \(role.rawValue)") }
        return oneTime
    }

    /// Removes the slot (the row stays); refuses the last holder and an
    /// account that cannot sign in anyway.
    public func disable(login target: String) throws {
        calls.append("disable")
        guard var account = accounts[target], account.hasSlot else { throw CabinetError.accounts(.notFound(login: target)) }
        if account.role == .doctor && holders.count <= 1 { throw CabinetError.accounts(.lastHolder) }
        account.hasSlot = false
        account.hasSecondFactor = false
        account.disabledAt = audit.now
        accounts[target] = account
        audit.log(.accountDisabled, object: target)
    }

    public func recordReview() throws {
        calls.append("recordReview")
        audit.log(.accountsReviewed)
        reviewedAt = audit.now
    }

    public func lastReview() throws -> Date? {
        calls.append("lastReview")
        return reviewedAt
    }

    public func changeOwnPassphrase(new: Passphrase) throws {
        calls.append("changeOwnPassphrase")
        var me = try own
        guard !new.isEmpty else { throw CabinetError.session(.emptyPassphrase) }
        me.passphrase = new
        me.mustChangePassphrase = false
        accounts[login] = me
        audit.log(.passphraseChanged, object: login)
    }

    public var hasSecondFactor: Bool {
        calls.append("hasSecondFactor")
        return accounts[login]?.hasSecondFactor ?? false
    }

    public func beginSecondFactor(issuer: String) throws -> SecondFactorEnrollment {
        calls.append("beginSecondFactor")
        if try own.hasSecondFactor { throw CabinetError.accounts(.secondFactorAlreadyActive) }
        let secret = enrollmentSecret
        pendingSecret = secret
        return SecondFactorEnrollment(secretBase32: secret, uri: "otpauth://totp/\(issuer):\(login)?secret=\(secret)&issuer=\(issuer)")
    }

    public func confirmSecondFactor(code: String, now: Date) throws {
        calls.append("confirmSecondFactor")
        var me = try own
        guard pendingSecret != nil else { throw CabinetError.accounts(.secondFactorNotPending) }
        guard code == acceptedCode else { throw CabinetError.session(.wrongSecondFactor) }
        pendingSecret = nil
        me.hasSecondFactor = true
        accounts[login] = me
        audit.log(.totpEnrolled, at: now)
    }

    public func disableSecondFactor() throws {
        calls.append("disableSecondFactor")
        var me = try own
        me.hasSecondFactor = false
        accounts[login] = me
        pendingSecret = nil
        audit.log(.totpDisabled)
    }

    public func lockAfterMinutes() throws -> Int {
        calls.append("lockAfterMinutes")
        return lockAfter
    }

    public func setLockAfterMinutes(_ minutes: Int) throws {
        calls.append("setLockAfterMinutes")
        lockAfter = minutes
        audit.log(.settingsChanged, detail: "lock_after_minutes=\(minutes)")
    }

    public func preference(_ key: String) throws -> String? {
        calls.append("preference")
        return preferences[key]
    }

    public func setPreference(_ key: String, _ value: String?) throws {
        calls.append("setPreference")
        preferences[key] = value
    }

    public func practiceIdentity() throws -> PracticeIdentity? {
        calls.append("practiceIdentity")
        return identity
    }

    /// Nothing to re-encrypt: `rekeyPages` of progress (held at the first
    /// while `rekeyGate` is set), logged; `rekeyError` instead when set.
    public func rekey(progress: ((Int64, Int64) -> Void)?) throws {
        calls.append("rekey")
        if let error = rekeyError {
            rekeyError = nil
            throw error
        }
        if let gate = rekeyGate {
            progress?(1, rekeyPages)
            gate.wait()
        }
        rekeys += 1
        progress?(rekeyPages, rekeyPages)
        audit.log(.vaultRekeyed)
    }
}
