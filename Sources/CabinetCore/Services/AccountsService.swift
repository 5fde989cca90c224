import Foundation

/// Accounts and the session's own settings: who may manage accounts, the
/// login rule, the lock delay's bounds. Keys and slots stay in the vault,
/// reached through the repository.
public struct AccountsService {
    public let session: Session
    let repository: any AccountRepository

    public init(session: Session, repository: any AccountRepository) {
        self.session = session
        self.repository = repository
    }

    func require(_ privilege: Privilege) throws { try AccessPolicy.check(session, privilege) }

    /// Minutes without a key before the interface locks itself: 1 to 30
    /// (../shared/seeds/000_8e655f28ba827d0f.txt l.365: at most 30 minutes).
    public static let lockAfterRange = 1...30

    public func list() throws -> [AccountInfo] {
        try require(.listAccounts)
        return try repository.list()
    }

    /// Creates an account; returns its one-time passphrase (changed at the
    /// first sign-in).
    public func create(login: String, role: Role, displayName: String? = nil) throws -> String {
        try require(.manageAccounts)
        guard Login.isValid(login) else {
            if login == "recovery" { throw CabinetError.accounts(.exists(login: login)) }
            throw CabinetError.accounts(.invalidLogin(login: login))
        }
        if try repository.exists(login: login) { throw CabinetError.accounts(.exists(login: login)) }
        let name = displayName.map { FieldText.sanitize($0, multiline: false, maxLength: 80).text }
        return try repository.create(login: login, role: role, displayName: (name?.isEmpty ?? true) ? nil : name)
    }

    /// A new one-time passphrase (forced change at next sign-in), the second
    /// factor removed; optionally a new role.
    public func reset(login: String, role: Role? = nil) throws -> String {
        try require(.manageAccounts)
        return try repository.reset(login: login, role: role)
    }

    /// Disables an account (it can no longer sign in; the record stays for
    /// the trail). Nobody disables themselves.
    public func disable(login: String) throws {
        try require(.manageAccounts)
        guard login != session.login else { throw CabinetError.accounts(.cannotDisableSelf) }
        try repository.disable(login: login)
    }

    /// Records the yearly review of accounts (../shared/seeds/002 §10).
    public func recordReview() throws {
        try require(.manageAccounts)
        try repository.recordReview()
    }

    public func lastReview() throws -> Date? { try repository.lastReview() }

    /// Changes this session's passphrase (logged): the session signed in
    /// with the current one, so the slot is rewrapped with the secret
    /// already in memory; no passphrase is kept meanwhile.
    public func changeOwnPassphrase(new: Passphrase) throws {
        try require(.changeOwnPassphrase)
        try repository.changeOwnPassphrase(new: new)
    }

    public var hasSecondFactor: Bool { repository.hasSecondFactor }

    public func beginSecondFactor(issuer: String) throws -> SecondFactorEnrollment {
        try require(.manageOwnSecondFactor)
        return try repository.beginSecondFactor(issuer: issuer)
    }

    public func confirmSecondFactor(code: String, now: Date = Date()) throws {
        try require(.manageOwnSecondFactor)
        try repository.confirmSecondFactor(code: code, now: now)
    }

    public func disableSecondFactor() throws {
        try require(.manageOwnSecondFactor)
        try repository.disableSecondFactor()
    }

    public func lockAfterMinutes() throws -> Int { try repository.lockAfterMinutes() }

    public func setLockAfterMinutes(_ minutes: Int) throws {
        try require(.changeSettings)
        guard Self.lockAfterRange.contains(minutes) else { throw CabinetError.usage(key: "error.lock_after") }
        try repository.setLockAfterMinutes(minutes)
    }

    /// The session's language (nil: the environment's).
    public func language() throws -> Language? {
        try repository.preference("language").flatMap(Language.init(rawValue:))
    }

    public func setLanguage(_ language: Language?) throws {
        try repository.setPreference("language", language?.rawValue)
    }

    public func practiceIdentity() throws -> PracticeIdentity? { try repository.practiceIdentity() }

    /// A new data key for the whole vault (every other desk closed); long
    /// work, `progress` gets (done, total) pages.
    public func rekey(progress: ((Int64, Int64) -> Void)? = nil) throws {
        try require(.manageAccounts)
        try repository.rekey(progress: progress)
    }
}
