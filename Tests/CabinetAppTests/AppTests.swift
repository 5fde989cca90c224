@testable import CabinetApp
import CabinetCore
import CabinetCoreTesting
import Foundation
import Testing
import TerminalUI
import TerminalUITesting

/// A stand-in for the vault. The session's part (sign-in, second-factor
/// codes, one-time passphrases, drafts, locks) is kept here and counted; the
/// domain is Core's own services (`practice`) over CabinetCoreTesting's
/// in-memory repositories, rebuilt for the account at each sign-in over the
/// same repositories, so that data persists across sign-ins as in a vault.
/// Tests seed and inspect those repositories (`repositories`).
final class FakeServices: AppServices {
    /// The fixed, fictitious moment of the harness's clock (Wednesday
    /// 18/11/2026 12:06 in Paris): the repositories stamp with it what is
    /// given no time, and the seeding helpers book at it.
    static let referenceNow = Date(timeIntervalSince1970: 1_795_000_000)

    /// The accounts (with their passphrases), patients, agenda and trail.
    let repositories: InMemoryRepositories
    /// The signed-in session's services (nil when locked or signed out).
    private(set) var practice: Practice?

    /// Second-factor codes asked at sign-in, by login.
    var totp: [String: String] = ["remp": "123456"]
    /// Accounts whose next sign-in must change the passphrase (besides those
    /// the repository marks so: created or reset since).
    var mustChange: Set<String> = ["neuf"]
    var changed: [Passphrase] = []
    var current: String?
    /// The passphrase of a session that must change it (as the vault's
    /// services keep it until the forced change).
    private var oneTime: Passphrase?
    var signIns: [String] = []
    var locks = 0
    var signOuts = 0
    /// Drafts kept at a lock, per account (the vault seals them).
    var drafts: [String: Data] = [:]

    init() {
        let audit = InMemoryAudit(actor: "install", now: Self.referenceNow)
        let patients = InMemoryPatients(audit: audit)
        let accounts = InMemoryAccounts(audit: audit, login: "doc", role: .doctor, passphrase: "Tres-Bon-Motdepasse-42")
        accounts.seed(login: "accueil", role: .secretary, passphrase: "Accueil-Fictif-Secret-17")
        accounts.seed(login: "remp", role: .replacement, passphrase: "Remplacant-Fictif-2026!")
        accounts.seed(login: "neuf", role: .secretary, passphrase: "Kx7pQ-m3RtZ-9wHnE-a4Fy")
        accounts.identity = PracticeIdentity(doctorName: "Dr Fictif")
        accounts.createdPassphrase = "Une-Fois-Fictif-99!"
        accounts.resetPassphrase = "Autre-Fois-Fictif-77!"
        accounts.enrollmentSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
        repositories = InMemoryRepositories(patients: patients, agenda: InMemoryAgenda(audit: audit, patients: patients),
                                            accounts: accounts, audit: audit)
        // Last night's backup, verified: the late-backup notice shows only
        // in the tests about it.
        let lastNight = Self.referenceNow.addingTimeInterval(-15 * 3600)
        repositories.backup.recorded = [BackupRecord(path: "/media/usb/sauvegardes/" + BackupRules.fileName(at: lastNight),
                                                     createdAt: lastNight, createdBy: "doc", bytes: 26_000_000, pages: 6_400,
                                                     rows: 42_000, state: .verified, checkedAt: lastNight)]
    }

    func signIn(login: String, passphrase: Passphrase, totp code: String?) throws -> SessionInfo {
        signIns.append(login)
        guard let account = repositories.accounts.accounts[login], account.hasSlot, account.passphrase == passphrase else {
            throw CabinetError.session(.wrongPassphrase)
        }
        if let expected = totp[login] {
            guard let code else { throw CabinetError.session(.secondFactorRequired) }
            guard code == expected else { throw CabinetError.session(.wrongSecondFactor) }
        }
        current = login
        oneTime = mustChange.contains(login) || account.mustChangePassphrase ? passphrase : nil
        let practice = repositories.desk(account.role, login: login)
        self.practice = practice
        let accounts = practice.accounts
        return SessionInfo(login: login, role: account.role, mustChangePassphrase: oneTime != nil,
                           lockAfterMinutes: (try? accounts.lockAfterMinutes()) ?? 10,
                           practiceName: (try? accounts.practiceIdentity())?.doctorName, language: try? accounts.language(),
                           draft: drafts[login], hasSecondFactor: accounts.hasSecondFactor)
    }

    func changePassphrase(new: Passphrase) throws {
        guard let current, let practice, let oneTime else { throw CabinetError.session(.wrongPassphrase) }
        try practice.accounts.changeOwnPassphrase(new: new)
        self.oneTime = nil
        changed.append(new)
        mustChange.remove(current)
    }

    func closed() {
        current = nil
        practice = nil
        oneTime = nil
    }

    /// When set, the next lock cannot be written to the trail.
    var lockTrailFails = false
    func lock(draft: Data?) -> CabinetError? {
        locks += 1
        var notLogged: CabinetError?
        if let current {
            drafts[current] = draft
            if lockTrailFails { notLogged = .vault(.diskFull) } else { try? practice?.audit.record(.lock) }
        }
        closed()
        return notLogged
    }
    var kept: [Data?] = []
    func keepDraft(_ draft: Data?) {
        kept.append(draft)
        if let current { drafts[current] = draft }
    }
    func signOut(discardDraft: Bool) {
        signOuts += 1
        if discardDraft, let current { drafts[current] = nil }
        closed()
    }
    func createCabinet(_ identity: PracticeIdentity, login: String, passphrase: Passphrase) throws
        -> (session: SessionInfo, recoveryKey: String) {
        repositories.accounts.seed(login: login, role: .doctor, passphrase: passphrase)
        repositories.accounts.identity = identity
        current = login
        practice = repositories.desk(.doctor, login: login)
        return (SessionInfo(login: login, role: .doctor, practiceName: identity.doctorName), "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345-6789")
    }
    func openDemo(progress: @escaping @Sendable (Int64, Int64) -> Void) throws -> [DemoAccount] {
        [DemoAccount(login: "demo", passphrase: "Demo-Fictif-2026!", role: .doctor),
         DemoAccount(login: "accueil", passphrase: "Accueil-Fictif-2026!", role: .secretary)]
    }
    func beginSecondFactor() throws -> SecondFactorOffer {
        guard let practice else { throw CabinetError.session(.notSignedIn) }
        let enrollment = try practice.accounts.beginSecondFactor(issuer: "Cabinet")
        // The QR code itself is the QRCode module's (tested with it): a block
        // of its size stands for it.
        return SecondFactorOffer(secret: enrollment.secretBase32,
                                 qrLines: Array(repeating: String(repeating: "█", count: 31), count: 16))
    }
    func readDocument(entry: Int64) throws -> DocumentContent {
        guard let practice else { throw CabinetError.session(.notSignedIn) }
        let (title, mime, bytes) = try practice.patients.readDocument(entry: entry)
        // Text as is (a PDF's text through pdftotext is VaultServices', tested on a real vault).
        return DocumentContent(title: title, mime: mime, size: bytes.count,
                               text: mime.hasPrefix("text/") ? String(decoding: bytes, as: UTF8.self) : nil)
    }

    // MARK: Seeding (not through the interface)

    /// Books as a doctor's desk would, through Core's agenda service (its
    /// rules, at the reference moment), in the same appointment book.
    @discardableResult
    func book(patient: Int64, start: Date?, minutes: Int, type: String, reason: String, force: Bool) throws -> Int64 {
        try AgendaService(session: Session(login: "doc", role: .doctor), repository: repositories.agenda)
            .book(patient: patient, start: start, minutes: minutes, type: type, reason: reason, force: force, now: Self.referenceNow)
    }
}

extension InMemoryAudit {
    /// The status changes of appointments the trail records, in order: the
    /// appointment's id and its new status.
    var statusChanges: [(id: Int64, status: AppointmentStatus)] {
        trail.filter { $0.action == AuditAction.appointmentStatus.rawValue || $0.action == AuditAction.appointmentCancelled.rawValue }
            .compactMap { e in
                // "appointment:<id>,<status>"
                let parts = (e.detail ?? "").dropFirst("appointment:".count).split(separator: ",")
                guard parts.count == 2, let id = Int64(parts[0]), let status = AppointmentStatus(rawValue: String(parts[1])) else {
                    return nil
                }
                return (id, status)
            }
    }
}

/// A runner on an 80×24 in-memory screen with a clock the test moves.
final class Harness {
    let screen: InMemoryScreen
    let services: any AppServices
    var fake: FakeServices { (services as? FakeServices) ?? FakeServices() }
    var now = Date(timeIntervalSince1970: 1_795_000_000) // a fixed, fictitious moment
    let initial: AppState?
    lazy var runner = AppRunner(screen: screen, services: services, catalog: Catalog.load(.french),
                                state: initial ?? AppState(now: now), clock: { [unowned self] in self.now })

    init(columns: Int = 80, rows: Int = 24, services: any AppServices = FakeServices(), state: AppState? = nil) {
        screen = InMemoryScreen(columns: columns, rows: rows)
        self.services = services
        initial = state
    }

    /// A first run: no vault yet.
    static func firstRun(columns: Int = 80, rows: Int = 24, services: any AppServices = FakeServices()) -> Harness {
        var state = AppState(now: Date(timeIntervalSince1970: 1_795_000_000))
        state.route = .setup
        state.setupPath = "/home/fictif/.local/share/cabinet/cabinet.vault"
        return Harness(columns: columns, rows: rows, services: services, state: state)
    }

    /// Keys, each followed by the end of any long work it started (the
    /// worker's result handled, as the user would see it).
    func keys(_ keys: Key...) {
        for k in keys {
            runner.step(.key(k))
            if runner.working { runner.waitForWork() }
        }
    }
    /// A key, not waiting for long work it starts.
    func keyNoWait(_ key: Key) { runner.step(.key(key)) }
    func type(_ text: String) { for ch in text { runner.step(.key(.char(ch))) } }
    func signIn(_ login: String, _ pass: String) {
        type(login); keys(.tab); type(pass); keys(.enter)
    }
    var text: String { screen.text }
    var allFramesText: String { screen.frames.map { $0.lines().joined(separator: "\n") }.joined(separator: "\n") }
}

@Suite struct AppShellTests {
    @Test func signingInOpensTheAgendaWithTheStatusLine() throws {
        let h = Harness()
        h.runner.step(nil)
        #expect(h.text.contains("Connexion"))
        #expect(h.text.contains("Chaque connexion") && h.text.contains("journal protégé"), "the sign-in tells users access is logged")
        h.signIn("doc", "Tres-Bon-Motdepasse-42")
        #expect(h.fake.signIns == ["doc"])
        #expect(h.runner.state.route == .main(.agenda))
        #expect(h.text.contains("rendez-vous ce jour"))
        let status = h.screen.current?.line(22) ?? ""
        #expect(status.contains("doc (médecin titulaire)") && status.contains("verrouillage dans 10:00"), "\(status)")
    }

    /// The search index is prepared once per session, after the first
    /// screen is drawn (not at the first letter typed in a search).
    @Test func theSearchIndexIsPreparedOncePerSessionAfterTheFirstScreen() throws {
        let h = Harness()
        func warmUps() -> Int { h.fake.repositories.patients.calls.filter { $0 == "warmUp" }.count }
        h.runner.step(nil)
        #expect(warmUps() == 0, "not before signing in")
        h.signIn("doc", "Tres-Bon-Motdepasse-42")
        #expect(warmUps() == 1)
        #expect(h.text.contains("rendez-vous ce jour"), "the first screen is drawn")
        h.keys(.function(3))
        h.type("du")
        h.runner.step(nil)
        #expect(warmUps() == 1, "once")
        h.keys(.function(12))
        h.runner.step(.key(.backTab))
        for _ in 0..<10 { h.keys(.backspace) }
        h.signIn("accueil", "Accueil-Fictif-Secret-17")
        #expect(warmUps() == 2, "again for the next session")
    }

    @Test func thePassphraseIsNeverDrawn() throws {
        let h = Harness()
        h.runner.step(nil)
        h.type("doc"); h.keys(.tab); h.type("Tres-Bon-Motdepasse-42")
        #expect(!h.allFramesText.contains("Tres-Bon"))
        #expect(!h.allFramesText.contains("*****"), "not even its length")
        h.keys(.enter)
        #expect(h.runner.state.form.passphrase.isEmpty, "wiped once used")
    }

    @Test func aWrongPassphraseSaysSoAndKeepsTheLogin() throws {
        let h = Harness()
        h.signIn("doc", "mauvais")
        #expect(h.runner.state.route == .signIn)
        #expect(h.text.contains("Identifiant ou mot de passe incorrect."))
        #expect(h.runner.state.form.login == "doc" && h.runner.state.form.passphrase.isEmpty)
    }

    /// The passphrase is bytes from the first key (never a `String` in the
    /// state: a dump of the state shows nothing of it), composed as typed:
    /// accents arriving as keys of their own after their letters sign in
    /// as the precomposed letters do.
    @Test func aPassphraseTypedDecomposedSignsInAndIsNeverInTheState() throws {
        let h = Harness()
        let secret = "Hélène-Fictive-Été-42"
        h.fake.repositories.accounts.seed(login: "helene", role: .doctor, passphrase: Passphrase(secret))
        h.runner.step(nil)
        h.type("helene"); h.keys(.tab)
        for scalar in secret.decomposedStringWithCanonicalMapping.unicodeScalars {
            h.runner.step(.key(.char(Character(scalar))))
        }
        let dump = String(reflecting: h.runner.state)
        #expect(!dump.contains("Fictive") && !dump.contains("Hélène-"), "the passphrase shows in the state")
        #expect(h.runner.state.form.passphrase == Passphrase(secret))
        h.keys(.enter)
        #expect(h.runner.state.route == .main(.agenda))
        #expect(h.runner.state.form.passphrase.isEmpty)
    }

    /// An error stays an error in the state; the view words it in the
    /// catalogue it draws with, so the same state shows English words to an
    /// English session (words kept from the reducer showed French ones).
    @Test func errorsAreKeptTypedAndWordedByTheView() throws {
        let h = Harness()
        h.signIn("doc", "mauvais")
        let state = h.runner.state
        #expect(state.form.failure == KeptError(.session(.wrongPassphrase)))
        let french = render(state, catalog: Catalog.load(.french)).lines().joined(separator: "\n")
        let english = render(state, catalog: Catalog.load(.english)).lines().joined(separator: "\n")
        let fr = CabinetError.session(.wrongPassphrase).message(Catalog.load(.french))
        let en = CabinetError.session(.wrongPassphrase).message(Catalog.load(.english))
        #expect(fr != en)
        #expect(french.contains(fr) && !french.contains(en))
        #expect(english.contains(en) && !english.contains(fr), "\(english)")
        // A new message forgets the error it replaced.
        var form = Form([FormField("x", label: "patient.field.birth_name")])
        form.fail(.patients(.recordLimited))
        #expect(form.failure != nil)
        form.fail("agenda.error.time")
        #expect(form.failure == nil)
        // Never written to a draft.
        let data = try JSONEncoder().encode(state.form.failure.map { [$0] } ?? [])
        #expect(String(decoding: data, as: UTF8.self) == "[null]")
    }

    /// The last account used on this terminal is typed already and the
    /// focus is on the passphrase: a passphrase typed straight away goes
    /// where it is never drawn. The focused field shows it (bold label,
    /// cursor, pointer); with nothing remembered the focus is on the login.
    @Test func theSignInStartsWhereAPassphraseCannotLandInClear() throws {
        let h = Harness(state: { var s = AppState(now: Date(timeIntervalSince1970: 1_795_000_000))
                                 s.form = SignInForm(rememberedLogin: "drfictif"); return s }())
        h.runner.step(nil)
        #expect(h.runner.state.form.focus == .passphrase)
        let row = try #require(h.screen.current?.lines().firstIndex { $0.contains("Mot de passe") })
        #expect(h.screen.current?.lines()[row].contains("◂") == true, "the pointer is on the passphrase's line")
        #expect(h.screen.current?.lines()[row - 1].contains("drfictif") == true)
        #expect(h.screen.current?.lines()[row - 1].contains("◂") == false)
        h.type("Tres-Bon-Motdepasse-42")
        #expect(!h.allFramesText.contains("Tres-Bon"))
        #expect(h.runner.state.form.login == "drfictif")
        h.keys(.enter)
        #expect(h.fake.signIns == ["drfictif"])

        let fresh = Harness()
        fresh.runner.step(nil)
        #expect(fresh.runner.state.form.focus == .login)
        let line = try #require(fresh.screen.current?.lines().first { $0.contains("Identifiant") })
        #expect(line.contains("◂"))
        #expect(SignInForm(rememberedLogin: nil).focus == .login && SignInForm(rememberedLogin: "").focus == .login)
    }

    /// The login filled in, the focus on the passphrase, and the login typed
    /// anyway then Tab: the login moves to its field and the focus stays on
    /// the passphrase, so that the passphrase typed next is never drawn in
    /// the login field. Only an exact login of the vault moves.
    @Test func aLoginTypedWhereThePassphraseGoesMovesToItsField() throws {
        var start = AppState(now: Date(timeIntervalSince1970: 1_795_000_000))
        start.form = SignInForm(rememberedLogin: "doc")
        start.knownLogins = ["doc", "accueil"]
        let h = Harness(state: start)
        h.runner.step(nil)
        h.type("accueil"); h.keys(.tab)
        #expect(h.runner.state.form.login == "accueil" && h.runner.state.form.passphrase.isEmpty)
        #expect(h.runner.state.form.focus == .passphrase)
        #expect(h.text.contains("est un identifiant"), "\(h.text)")
        h.type("Accueil-Fictif-Secret-17")
        #expect(!h.allFramesText.contains("Accueil-Fictif"), "the passphrase is never drawn")
        h.keys(.enter)
        #expect(h.fake.signIns == ["accueil"])
        // Anything that is not a login stays a passphrase (never shown).
        var other = AppState(now: Date(timeIntervalSince1970: 1_795_000_000))
        other.form = SignInForm(rememberedLogin: "doc")
        other.knownLogins = ["doc", "accueil"]
        let o = Harness(state: other)
        o.type("accueil-secret"); o.keys(.tab)
        #expect(o.runner.state.form.login == "doc" && o.runner.state.form.focus == .login)
        #expect(!o.allFramesText.contains("accueil-secret"))
    }

    /// The login is an ordinary line: Home, the arrows, Ctrl-U; Ctrl-U also
    /// empties the passphrase and the code, which are never drawn.
    @Test func theSignInFieldsTakeTheUsualEditingKeys() throws {
        let h = Harness()
        h.runner.step(nil)
        h.type("octeur")
        h.keys(.home)
        h.type("d")
        #expect(h.runner.state.form.login == "docteur")
        h.keys(.end, .backspace, .backspace, .left, .delete)
        #expect(h.runner.state.form.login == "doct")
        h.keys(.ctrl("u"))
        #expect(h.runner.state.form.login.isEmpty)
        h.type("doc"); h.keys(.tab); h.type("faute-de-frappe"); h.keys(.ctrl("u"))
        #expect(h.runner.state.form.passphrase.isEmpty)
        h.type("Tres-Bon-Motdepasse-42"); h.keys(.enter)
        #expect(h.fake.signIns == ["doc"] && h.runner.state.route == .main(.agenda))
    }

    /// Long work (a re-key) runs in the worker: the screen shows its
    /// progress and stays alive; F12 meanwhile is said and carried out as
    /// soon as the work ends, never half-way; the loop calls no service
    /// while it runs (issue 14, long work off the input loop).
    @Test func longWorkShowsItsProgressAndALockWaitsForItsEnd() throws {
        let h = AdministrationTests.signedInAdmin()
        let gate = DispatchSemaphore(value: 0)
        h.fake.repositories.accounts.rekeyGate = gate
        h.fake.repositories.accounts.rekeyPages = 4
        h.keys(.char("d"), .enter)
        #expect(h.text.contains("Changer la clé de données ?"))
        h.keyNoWait(.enter)
        #expect(h.runner.working && h.runner.state.work?.kind == .rekey)
        #expect(h.runner.state.admin.dialog == nil, "the question answered, the progress window alone")
        // The first progress arrives from the worker.
        for _ in 0..<200 where h.runner.state.work?.done != 1 {
            usleep(10_000)
            h.runner.step(nil)
        }
        #expect(h.text.contains("Changement de la clé de données") && h.text.contains("1 / 4 pages (25 %)"), "\(h.text)")
        let kept = h.fake.kept.count, locks = h.fake.locks
        h.keyNoWait(.function(12))
        #expect(h.runner.state.session != nil, "not locked half-way")
        #expect(h.text.contains("verrouillée dès la fin"), "\(h.text)")
        h.keyNoWait(.char("n"))
        #expect(h.runner.state.admin.dialog == nil || h.runner.state.work != nil, "other keys wait")
        h.runner.step(.resize(columns: 100, rows: 30))
        #expect(h.screen.current?.columns == 100, "the screen follows a resize meanwhile")
        gate.signal()
        h.runner.waitForWork()
        #expect(h.fake.repositories.accounts.rekeys == 1)
        #expect(h.runner.state.work == nil && h.runner.state.session == nil && h.runner.state.route == .signIn,
                "locked once the work ended")
        #expect(h.fake.kept.count == kept, "no service called by the loop while the worker ran")
        #expect(h.fake.locks == locks + 1, "locked once, after the work")
    }

    /// The lock always happens; a trail that could not record it is said on
    /// the locked screen, not ignored (issue 14, errors).
    @Test func aLockTheTrailCouldNotRecordIsSaid() throws {
        let h = Harness()
        h.signIn("doc", "Tres-Bon-Motdepasse-42")
        h.fake.lockTrailFails = true
        h.keys(.function(12))
        #expect(h.runner.state.session == nil && h.runner.state.route == .signIn)
        #expect(NarrowScreenTests.showsWhole(h.text, "le verrouillage n'a pas pu être inscrit au journal (Le disque est plein"), "\(h.text)")
    }

    /// Before anyone signed in (the demonstration being filled), F12 has
    /// nothing to lock and does not say it will.
    @Test func longWorkBeforeSignInHasNoLockToPromise() {
        var state = AppState(now: Date(timeIntervalSince1970: 1_795_000_000))
        state.work = LongWork(kind: .demo, startedAt: state.now)
        _ = handleDuringWork(.function(12), &state)
        #expect(state.work?.lockAsked == false)
        _ = handleDuringWork(.function(10), &state)
        #expect(state.work?.quitAsked == true)
    }

    /// The account disabled from another desk: the open session notices
    /// at the next poll, locks and says why (issue 13 trial, major).
    @Test func aSessionWhoseAccountIsDisabledLocksAndSaysWhy() throws {
        let h = Harness()
        h.signIn("accueil", "Accueil-Fictif-Secret-17")
        #expect(h.runner.state.session != nil)
        h.fake.repositories.agenda.accountDisabled = true
        h.now = h.now.addingTimeInterval(2)
        h.runner.step(nil)
        #expect(h.runner.state.session == nil && h.runner.state.route == .signIn)
        #expect(NarrowScreenTests.showsWhole(h.text, "a été désactivé depuis un autre poste"), "\(h.text)")
    }

    @Test func theSecondFactorIsAskedWhenTheAccountHasOne() throws {
        let h = Harness()
        h.signIn("remp", "Remplacant-Fictif-2026!")
        #expect(h.runner.state.form.needsTOTP && h.runner.state.form.focus == .totp)
        #expect(h.text.contains("Code 2FA"))
        h.type("123456")
        h.keys(.enter)
        #expect(h.runner.state.session?.login == "remp")
    }

    @Test func lockingWipesTheScreenAndUnlockingReturnsWhereTheUserWas() throws {
        let h = Harness()
        h.signIn("doc", "Tres-Bon-Motdepasse-42")
        h.keys(.function(3))
        #expect(h.runner.state.route == .main(.patients))
        let clears = h.screen.clearCount
        h.keys(.function(12))
        #expect(h.fake.locks == 1)
        #expect(h.screen.clearCount == clears + 1, "the terminal (and its scrollback) is wiped at once")
        #expect(h.runner.state.session == nil)
        #expect(h.text.contains("Session verrouillée") && !h.text.contains("Patients "))
        // Another account signs in: it does not land on the doctor's place.
        h.runner.step(.key(.backTab))
        h.keys(.backspace, .backspace, .backspace)
        h.signIn("accueil", "Accueil-Fictif-Secret-17")
        #expect(h.runner.state.route == .main(.agenda))
        // Ctrl-L redraws (the screen wiped and drawn again), Ctrl-Q locks.
        let before = h.screen.clearCount
        h.keys(.ctrl("l"))
        #expect(h.fake.locks == 1 && h.screen.clearCount == before + 1 && h.runner.state.session != nil)
        #expect(h.text.contains("Agenda"))
        h.keys(.ctrl("q"))
        #expect(h.fake.locks == 2)
        // The doctor comes back to the patients module.
        h.runner.step(.key(.backTab))
        for _ in 0..<10 { h.keys(.backspace) }
        h.signIn("doc", "Tres-Bon-Motdepasse-42")
        #expect(h.runner.state.route == .main(.patients))
    }

    @Test func inactivityLocksTheSession() throws {
        let h = Harness()
        h.signIn("doc", "Tres-Bon-Motdepasse-42")
        h.now = h.now.addingTimeInterval(9 * 60)
        h.runner.step(nil)
        #expect(h.runner.state.session != nil)
        #expect(h.screen.current?.line(22).contains("verrouillage dans 1:00") == true)
        h.now = h.now.addingTimeInterval(61)
        h.runner.step(nil)
        #expect(h.runner.state.session == nil && h.fake.locks == 1)
    }

    @Test func aSecretaryCannotOpenAClinicalModuleAndHelpSaysWhy() throws {
        let h = Harness()
        h.signIn("accueil", "Accueil-Fictif-Secret-17")
        h.keys(.function(4))
        #expect(h.runner.state.route == .main(.agenda))
        #expect(h.text.contains("F4 : réservé aux médecins."))
        h.keys(.function(1))
        #expect(h.text.contains("Messagerie — réservé aux médecins"))
        h.keys(.escape)
        #expect(h.runner.state.route == .main(.agenda))
    }

    @Test func aPassphraseLeftOnTheSignInScreenIsForgottenAfterTheDelay() throws {
        let h = Harness()
        h.type("doc"); h.keys(.tab); h.type("Tres-Bon-Motdepasse-42")
        h.now = h.now.addingTimeInterval(10 * 60 + 1)
        h.runner.step(nil)
        #expect(h.runner.state.form.passphrase.isEmpty)
    }

    @Test func quittingSignsOut() throws {
        let h = Harness()
        h.signIn("doc", "Tres-Bon-Motdepasse-42")
        h.keys(.function(10))
        #expect(h.runner.state.quit && h.fake.signOuts == 1)
    }

    @Test func theLayoutFollowsAResize() throws {
        let h = Harness()
        h.signIn("doc", "Tres-Bon-Motdepasse-42")
        h.runner.step(.resize(columns: 100, rows: 30))
        #expect(h.screen.current?.columns == 100 && h.screen.current?.rows == 30)
        #expect(h.screen.current?.line(28).contains("doc (médecin titulaire)") == true)
    }

    @Test func snapshots() throws {
        let h = Harness()
        h.runner.step(nil)
        #expect(Snapshot.verify(try #require(h.screen.current), named: "signin", styles: true) == nil)
        h.signIn("doc", "Tres-Bon-Motdepasse-42")
        #expect(Snapshot.verify(try #require(h.screen.current), named: "agenda-doctor", styles: true) == nil)
        h.keys(.function(1))
        #expect(Snapshot.verify(try #require(h.screen.current), named: "help-doctor") == nil)
    }

    /// The shell's screens at the larger size too: sign-in, help, the
    /// locked screen, the forced change, the demo's sign-in.
    @Test func snapshotsAtBothSizes() throws {
        for (cols, rows) in [(80, 24), (120, 40)] {
            let suffix = "\(cols)x\(rows)"
            let h = Harness(columns: cols, rows: rows)
            h.runner.step(nil)
            #expect(Snapshot.verify(try #require(h.screen.current), named: "shell-signin-\(suffix)", styles: true) == nil)
            h.signIn("doc", "Tres-Bon-Motdepasse-42")
            h.keys(.function(1))
            #expect(Snapshot.verify(try #require(h.screen.current), named: "shell-help-\(suffix)") == nil)
            h.keys(.escape, .function(12))
            #expect(Snapshot.verify(try #require(h.screen.current), named: "shell-locked-\(suffix)") == nil)
            let c = Harness(columns: cols, rows: rows)
            c.signIn("neuf", "Kx7pQ-m3RtZ-9wHnE-a4Fy")
            c.type("court")
            #expect(Snapshot.verify(try #require(c.screen.current), named: "shell-forced-change-\(suffix)") == nil)
            var demo = AppState(now: c.now)
            demo.isDemo = true
            demo.demoAccounts = [DemoAccount(login: "demo", passphrase: "Demo-Medecin-Lilas-2026!", role: .doctor),
                                 DemoAccount(login: "accueil", passphrase: "Demo-Accueil-Orage-2026!", role: .secretary)]
            let d = Harness(columns: cols, rows: rows, state: demo)
            d.runner.step(nil)
            #expect(Snapshot.verify(try #require(d.screen.current), named: "shell-demo-signin-\(suffix)", styles: true) == nil)
        }
    }
}

@Suite struct ActionCatalogueTests {
    /// A man page whose keys section is generated from one catalogue.
    struct ManPage: Sendable, CustomStringConvertible {
        let language: Language
        /// From the package's root.
        let path: String
        let heading: String
        var description: String { path }
    }

    /// The English page's KEYS and the French page's TOUCHES, each from the
    /// catalogue of its language (the French words are the help screen's).
    static let manPages = [
        ManPage(language: .english, path: "man/cabinet.1", heading: ".SH KEYS"),
        ManPage(language: .french, path: "man/fr/cabinet.1", heading: ".SH TOUCHES"),
    ]

    /// The help screen, the function-key bar and the man pages' keys sections
    /// come from the same catalogue: this test fails when they disagree.
    @Test(arguments: ActionCatalogueTests.manPages) func theManPageKeysSectionMatchesTheCatalogue(_ page: ManPage) throws {
        let man = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(page.path)
        var text = try String(contentsOf: man, encoding: .utf8)
        if ProcessInfo.processInfo.environment["CABINET_RECORD_SNAPSHOTS"] == "1" {
            text = try Self.regenerateKeys(text, page)
            try text.write(to: man, atomically: true, encoding: .utf8)
        }
        guard let start = text.range(of: page.heading) else { Issue.record("no \(page.heading) in \(page.path)"); return }
        let rest = text[start.upperBound...]
        let section = Self.decode(String(rest[..<(rest.range(of: "\n.SH ")?.lowerBound ?? rest.endIndex)]))
        let c = Catalog.load(page.language)
        let entries = AppCommands.helpEntries(c)
        #expect(!entries.isEmpty)
        for entry in entries {
            #expect(section.contains(entry.keys), "\(page.path) \(page.heading) lacks \(entry.keys)")
            #expect(section.contains(c.text(entry.command.helpKey)), "\(page.path) \(page.heading) lacks: \(c.text(entry.command.helpKey))")
            if let g = entry.groupHeader {
                #expect(section.contains(".SS " + c.text(g)), "\(page.path) \(page.heading) lacks the heading \(c.text(g))")
            }
        }
        // Nothing more, nothing stale: the entries are exactly what the
        // catalogue gives (CABINET_RECORD_SNAPSHOTS=1 rewrites them).
        #expect(try Self.regenerateKeys(text, page) == text, "\(page.path) \(page.heading) is not the catalogue's")
    }

    /// Undoes the escapes `roff` writes: `\-`, `\e`, `\&` and `\[uXXXX]`.
    static func decode(_ roff: String) -> String {
        var decoded = ""
        var rest = Substring(roff)
        while let r = rest.range(of: "\\") {
            decoded += rest[..<r.lowerBound]
            let after = rest[r.upperBound...]
            if after.hasPrefix("-") {
                decoded += "-"
                rest = after.dropFirst()
            } else if after.hasPrefix("e") {
                decoded += "\\"
                rest = after.dropFirst()
            } else if after.hasPrefix("&") {
                rest = after.dropFirst()
            } else if after.hasPrefix("[u"), let v = UInt32(after.dropFirst(2).prefix(4), radix: 16),
                      after.dropFirst(6).hasPrefix("]"), let u = Unicode.Scalar(v) {
                decoded.unicodeScalars.append(u)
                rest = after.dropFirst(7)
            } else {
                decoded += "\\"
                rest = after
            }
        }
        return decoded + rest
    }

    /// Text as roff reads it literally: a backslash escaped, a hyphen as a
    /// minus (copied as typed), a non-ASCII character as its \[uXXXX] escape,
    /// a leading dot or quote kept from being read as a request.
    static func roff(_ s: String) -> String {
        let body = s.replacingOccurrences(of: "\\", with: "\\e").replacingOccurrences(of: "-", with: "\\-")
            .unicodeScalars.map { u in u.isASCII ? String(u) : String(format: "\\[u%04X]", u.value) }.joined()
        return body.hasPrefix(".") || body.hasPrefix("'") ? "\\&" + body : body
    }

    /// Rewrites the entries of the page's keys section (from its first .SS to
    /// the paragraph after the last entry) from its language's catalogue.
    static func regenerateKeys(_ text: String, _ page: ManPage) throws -> String {
        guard let start = text.range(of: page.heading),
              let firstSS = text.range(of: "\n.SS ", range: start.upperBound..<text.endIndex),
              let end = text.range(of: "\n.PP\n", range: firstSS.lowerBound..<text.endIndex)
        else { throw CabinetError.cancelled }
        let c = Catalog.load(page.language)
        var out = ""
        for entry in AppCommands.helpEntries(c) {
            if let g = entry.groupHeader { out += "\n.SS " + roff(c.text(g)) }
            out += "\n.TP\n.B " + roff(entry.keys) + "\n" + roff(c.text(entry.command.helpKey))
        }
        return String(text[..<firstSS.lowerBound]) + out + String(text[end.lowerBound...])
    }

    @Test func everyCatalogueTextExistsInBothLanguages() {
        let fr = Catalog.loadEntries(.french), en = Catalog.loadEntries(.english)
        for cmd in AppCommands.all {
            for key in [cmd.helpKey, cmd.group] + (cmd.barKey.map { [$0] } ?? []) + (cmd.keyName.hasPrefix("key.") ? [cmd.keyName] : []) {
                #expect(fr[key] != nil && en[key] != nil, "\(key)")
            }
        }
    }

    /// The modules still to come say what will be there in users' words
    /// ("issue" is developers' jargon).
    @Test func placeholdersSpeakUsersWords() {
        for language in [Language.french, .english] {
            let c = Catalog.load(language)
            for m in Module.allCases where !m.isAvailable {
                let text = c.text("placeholder.\(m.rawValue)")
                #expect(!text.lowercased().contains("issue") && text.count > 60, "\(m): \(text)")
            }
        }
    }

    @Test func noTwoCommandsShareAKeyInTheSameScope() {
        for scope in [CommandScope.signIn, .main, .help] {
            let keys = AppCommands.visible(in: scope).map(\.key)
            #expect(Set(keys).count == keys.count, "\(scope)")
        }
    }
}

@Suite struct DemoScreenTests {
    @Test func theDemoIsMarkedAndShowsItsAccounts() throws {
        let h = Harness()
        h.runner.step(nil)
        #expect(!h.text.contains("DÉMO"))
        let demo = Harness()
        var state = AppState(now: demo.now)
        state.isDemo = true
        state.demoAccounts = [DemoAccount(login: "demo", passphrase: "Demo-Medecin-Lilas-2026!", role: .doctor),
                              DemoAccount(login: "accueil", passphrase: "Demo-Accueil-Orage-2026!", role: .secretary)]
        let runner = AppRunner(screen: demo.screen, services: demo.fake, catalog: Catalog.load(.french), state: state,
                               clock: { demo.now })
        runner.step(nil)
        #expect(demo.screen.current?.line(0).contains("DÉMO") == true)
        #expect(demo.text.contains("Demo-Medecin-Lilas-2026!"))
    }
}

@Suite struct ForcedChangeTests {
    @Test func aOneTimePassphraseLeadsToTheChangeScreenWithLiveFeedback() throws {
        let h = Harness()
        h.signIn("neuf", "Kx7pQ-m3RtZ-9wHnE-a4Fy")
        #expect(h.runner.state.route == .changePassphrase)
        #expect(h.text.contains("Nouveau mot de passe"))
        h.type("court")
        #expect(h.text.contains("Il manque : au moins 12 caractères"))
        h.keys(.tab); h.type("court"); h.keys(.enter)
        #expect(h.text.contains("ne respecte pas la règle"))
        #expect(h.fake.changed.isEmpty)
        // A good one, mistyped in the confirmation.
        for _ in 0..<5 { h.keys(.backspace) }
        h.runner.step(.key(.backTab))
        for _ in 0..<5 { h.keys(.backspace) }
        h.type("Nouvelle-Phrase-Accueil-9")
        #expect(h.text.contains("Mot de passe conforme."))
        h.keys(.tab); h.type("Nouvelle-Phrase-Accueil-8"); h.keys(.enter)
        #expect(h.text.contains("Les deux saisies ne correspondent pas."))
        h.type("Nouvelle-Phrase-Accueil-9"); h.keys(.enter)
        #expect(h.fake.changed == ["Nouvelle-Phrase-Accueil-9"])
        #expect(h.runner.state.route == .main(.agenda))
        #expect(h.text.contains("Mot de passe changé."))
        #expect(!h.allFramesText.contains("Nouvelle-Phrase") && !h.allFramesText.contains("Kx7pQ"))
    }
}

@Suite struct PassphraseStrengthFeedbackTests {
    @Test func theLiveFeedbackSaysWhatMakesItEasyToGuessAndHowToFixIt() throws {
        let h = Harness()
        h.signIn("neuf", "Kx7pQ-m3RtZ-9wHnE-a4Fy")
        // Every class and 12 characters, but repeated letters.
        h.type("Aaaaaaaaaa1!")
        #expect(h.text.contains("Trop facile à deviner : des répétitions"), "\(h.text)")
        #expect(h.text.contains("Allongez-le avec des mots pris au hasard"), "\(h.text)")
        h.keys(.tab); h.type("Aaaaaaaaaa1!"); h.keys(.enter)
        #expect(h.text.contains("ne respecte pas la règle"))
        #expect(h.fake.changed.isEmpty)
        // The account's own login, four times: the shape passes, the words do not.
        h.runner.step(.key(.backTab))
        for _ in 0..<12 { h.keys(.backspace) }
        h.type("neuf2 neuf2 neuf2 neuf2 neuf2")
        #expect(h.text.contains("un mot lié à vous ou au cabinet") || h.text.contains("des répétitions"), "\(h.text)")
        #expect(!h.text.contains("Mot de passe conforme."))
    }
}

@Suite struct LockDelayTests {
    @Test func thePracticeDelayApplies() throws {
        let h = Harness()
        h.fake.repositories.accounts.lockAfter = 2
        h.signIn("doc", "Tres-Bon-Motdepasse-42")
        #expect(h.runner.state.secondsBeforeLock == 120)
        h.now = h.now.addingTimeInterval(121)
        h.runner.step(nil)
        #expect(h.runner.state.session == nil && h.fake.locks == 1)
    }
}
