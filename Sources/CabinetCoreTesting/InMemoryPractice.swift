import CabinetCore
import Foundation

/// The in-memory repositories of one session, sharing one trail.
public struct InMemoryRepositories {
    public let patients: InMemoryPatients
    public let agenda: InMemoryAgenda
    public let accounts: InMemoryAccounts
    public let audit: InMemoryAudit
    public let backup: InMemoryBackups

    public init(patients: InMemoryPatients, agenda: InMemoryAgenda, accounts: InMemoryAccounts, audit: InMemoryAudit,
                backup: InMemoryBackups? = nil) {
        self.patients = patients
        self.agenda = agenda
        self.accounts = accounts
        self.audit = audit
        self.backup = backup ?? InMemoryBackups(audit: audit)
    }

    /// What `Practice` is built over.
    public var practiceRepositories: Practice.Repositories {
        Practice.Repositories(patients: patients, agenda: agenda, accounts: accounts, audit: audit, backup: backup)
    }

    /// Every call received by any of them, prefixed with its area
    /// ("patients.insert", "agenda.writing"…), area by area.
    public var calls: [String] {
        patients.calls.map { "patients." + $0 } + agenda.calls.map { "agenda." + $0 }
            + accounts.calls.map { "accounts." + $0 } + audit.calls.map { "audit." + $0 }
            + backup.calls.map { "backup." + $0 }
    }

    /// Another desk signed in over the same repositories, as `role`: the
    /// trail names its actor from now on and the accounts act for its login
    /// (an account created for it if there is none). The repositories act
    /// for the last desk signed in.
    public func desk(_ role: Role, login: String? = nil) -> Practice {
        let session = Session(login: login ?? InMemoryPractice.defaultLogin(role), role: role)
        audit.actor = session.actor
        accounts.signIn(login: session.login, role: role)
        return Practice(session: session, repositories: practiceRepositories)
    }

    /// Forgets the calls so far (after a test's setting up).
    public func clearCalls() {
        patients.clearCalls()
        agenda.clearCalls()
        accounts.clearCalls()
        audit.clearCalls()
        backup.clearCalls()
    }
}

/// A `Practice` over in-memory repositories, for the services' tests.
public enum InMemoryPractice {
    /// A fixed instant the repositories stamp what is given no time:
    /// Monday 2 March 2026, 08:00 in Paris (07:00 UTC).
    public static let referenceNow = Date(timeIntervalSince1970: 1_772_434_800)

    /// The login each role signs in with unless told.
    public static func defaultLogin(_ role: Role) -> String {
        switch role {
        case .doctor: return "dr.titulaire"
        case .replacement: return "dr.remplacant"
        case .secretary: return "accueil"
        }
    }

    /// A session of `role` over empty repositories (the session's own
    /// account exists); returns the practice and the repositories to
    /// inspect.
    public static func make(role: Role, login: String? = nil, viaRecoveryKey: Bool = false,
                            now: Date = referenceNow) -> (Practice, InMemoryRepositories) {
        let login = login ?? defaultLogin(role)
        let session = Session(login: login, role: role, viaRecoveryKey: viaRecoveryKey)
        let audit = InMemoryAudit(actor: session.actor, now: now)
        let patients = InMemoryPatients(audit: audit)
        let repositories = InMemoryRepositories(patients: patients, agenda: InMemoryAgenda(audit: audit, patients: patients),
                                                accounts: InMemoryAccounts(audit: audit, login: login, role: role), audit: audit)
        return (Practice(session: session, repositories: repositories.practiceRepositories), repositories)
    }
}
