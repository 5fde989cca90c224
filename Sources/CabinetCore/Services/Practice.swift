import Foundation

/// Everything a signed-in session may ask, one service per area. Both front
/// ends (the terminal interface and the command line) hold a `Practice` and
/// nothing below it: they never call the store for domain work.
///
/// A new module is a service here (its rules and access policy over a
/// repository protocol), a repository in CabinetStore, and one binding in
/// each front end (docs/ARCHITECTURE.md, "Adding an operation").
public final class Practice {
    public let session: Session
    public let patients: PatientsService
    public let agenda: AgendaService
    public let accounts: AccountsService
    public let audit: AuditService
    public let backup: BackupService
    /// The places of the modules to come (issues 16, 18, 19 and import/export).
    public let retention: RetentionService
    public let outbox: OutboxService
    public let compliance: ComplianceService
    public let interop: InteropService

    /// The store's repositories for one session.
    public struct Repositories {
        public var patients: any PatientRepository
        public var agenda: any AgendaRepository
        public var accounts: any AccountRepository
        public var audit: any AuditRepository
        public var backup: any BackupRepository
        public init(patients: any PatientRepository, agenda: any AgendaRepository, accounts: any AccountRepository,
                    audit: any AuditRepository, backup: any BackupRepository) {
            self.patients = patients
            self.agenda = agenda
            self.accounts = accounts
            self.audit = audit
            self.backup = backup
        }
    }

    public init(session: Session, repositories r: Repositories) {
        self.session = session
        patients = PatientsService(session: session, repository: r.patients)
        agenda = AgendaService(session: session, repository: r.agenda)
        accounts = AccountsService(session: session, repository: r.accounts)
        audit = AuditService(session: session, repository: r.audit)
        backup = BackupService(session: session, repository: r.backup)
        retention = RetentionService(session: session)
        outbox = OutboxService(session: session)
        compliance = ComplianceService(session: session)
        interop = InteropService(session: session)
    }
}

/// Archive at 5 years, purge at 20 (issue 16): empty until then.
public struct RetentionService {
    public let session: Session
}

/// Secure messages to colleagues and patients (issue 18): empty until then.
public struct OutboxService {
    public let session: Session
}

/// The compliance checklist and evidence pack (issue 19): empty until then.
public struct ComplianceService {
    public let session: Session
}

/// Import and export of records (after issue 19): empty until then.
public struct InteropService {
    public let session: Session
}
