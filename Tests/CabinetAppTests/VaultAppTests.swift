@testable import CabinetApp
import CabinetCore
import CabinetTOTP
@_spi(Testing) import CabinetServices
@_spi(Testing) import CabinetStore
import Foundation
import Testing
import TerminalUI

/// Whole-app scripts of key events against a temporary vault: the real
/// services, the real sealed store, an in-memory screen and a clock the
/// test moves.
@Suite(.serialized) struct VaultAppTests {
    final class Dir {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cabinet-app-\(UUID().uuidString)")
        init() { try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        var vault: String { url.appendingPathComponent("cabinet.vault").path }
        deinit { try? FileManager.default.removeItem(at: url) }

        /// True when `needle` appears, as UTF-8, in any file of the directory.
        func anyFileContains(_ needle: String) -> Bool {
            let n = Array(needle.utf8)
            let files = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
            return files.contains { name in
                guard let data = FileManager.default.contents(atPath: url.appendingPathComponent(name).path) else { return false }
                let b = [UInt8](data)
                guard b.count >= n.count else { return false }
                return (0...(b.count - n.count)).contains { i in b[i] == n[0] && Array(b[i..<(i + n.count)]) == n }
            }
        }
    }

    static let pass = "Cabinet-Fictif-Sur-2026!"

    /// Runs the first run through the interface: creates the cabinet with a
    /// secretary; returns the harness (doctor signed in) and the secretary's
    /// one-time passphrase.
    static func create(_ dir: Dir) throws -> (Harness, String) {
        let services = VaultServices(path: dir.vault, kdf: .minimumForTests)
        var state = AppState(now: Date())
        state.route = .setup
        state.setupPath = dir.vault
        let h = Harness(services: services, state: state)
        h.now = Date()
        FirstRunTests.fillIdentity(h)
        h.keys(.enter)
        h.type(pass); h.keys(.tab); h.type(pass); h.keys(.enter)
        let key = try #require(h.runner.state.setup.recoveryKey)
        let groups = key.split(separator: "-").map(String.init)
        h.keys(.enter)
        h.type(groups[1].lowercased()); h.keys(.tab); h.type(groups[5]); h.keys(.enter)
        #expect(h.runner.state.setup.step == .secretary)
        h.type("accueil"); h.keys(.tab); h.type("Mme Fictive"); h.keys(.enter)
        let onetime = try #require(h.runner.state.setup.secretaryPassphrase)
        h.keys(.enter)
        #expect(h.runner.state.route == .main(.agenda))
        return (h, onetime)
    }

    @Test func theFirstRunCreatesTheCabinetWithItsIdentityAndTheSecretary() throws {
        let dir = Dir()
        let (h, onetime) = try Self.create(dir)
        #expect(FileManager.default.fileExists(atPath: dir.vault))
        #expect(h.screen.current?.line(0).contains("Dr Marie Durand-Lefèvre") == true)
        // What the compliance documents will need, sealed in the vault.
        let v = try Vault.signIn(at: dir.vault, login: "mdurand", passphrase: Passphrase(Self.pass))
        defer { v.signOut() }
        let identity = try v.practiceIdentity()
        #expect(identity["doctor_rpps"] == "10003456786")
        #expect(identity["practice_email"] == "cabinet@example.org")
        let accounts = try v.practice().accounts.list()
        #expect(accounts.first { $0.login == "accueil" }?.mustChangePassphrase == true)
        #expect(accounts.first { $0.login == "accueil" }?.role == .secretary)
        #expect(!dir.anyFileContains("Durand-Lef"), "the identity is sealed like everything else")
        // The secretary signs in with the one-time passphrase: forced change.
        let s = Harness(services: VaultServices(path: dir.vault, kdf: .minimumForTests))
        s.now = Date()
        s.signIn("accueil", onetime)
        #expect(s.runner.state.route == .changePassphrase)
        s.type("Accueil-Nouveau-Fictif-2026!"); s.keys(.tab); s.type("Accueil-Nouveau-Fictif-2026!"); s.keys(.enter)
        #expect(s.runner.state.route == .main(.agenda), "\(s.text)")
        s.keys(.function(7))
        #expect(s.runner.state.route == .main(.agenda), "the secretary has no administration")
    }

    @Test func unsavedInputIsSealedAcrossALockAndOnlyItsAuthorGetsItBack() throws {
        let dir = Dir()
        let (h, onetime) = try Self.create(dir)
        h.keys(.function(7))
        #expect(h.text.contains("accueil"))
        h.keys(.char("n"))
        h.type("brouillon"); h.keys(.tab); h.type("Canari Zygomatique")
        // Locked by inactivity (simulated clock).
        h.now = h.now.addingTimeInterval(10 * 60 + 1)
        h.runner.step(nil)
        #expect(h.runner.state.session == nil)
        #expect(!h.text.contains("Canari"))
        #expect(h.screen.clearCount >= 1)
        // Kept in the vault, never in clear on disk.
        #expect(!dir.anyFileContains("Canari Zygomatique"))
        // The secretary signs in on this screen: her own place, no draft.
        h.runner.step(.key(.backTab))
        h.keys(.ctrl("u"))
        for _ in 0..<10 { h.keys(.backspace) }
        h.signIn("accueil", onetime)
        #expect(h.runner.state.route == .changePassphrase)
        #expect(!h.text.contains("Canari"))
        h.keys(.function(10))
        // Even holding the data key, her session cannot open the doctor's draft.
        let sec = try Vault.signIn(at: dir.vault, login: "accueil", passphrase: Passphrase(onetime))
        #expect(try sec.loadDraft() == nil)
        sec.signOut()
        // The doctor comes back to the form as typed.
        let d = Harness(services: VaultServices(path: dir.vault, kdf: .minimumForTests))
        d.now = Date()
        d.signIn("mdurand", Self.pass)
        #expect(d.runner.state.route == .main(.admin))
        #expect(d.text.contains("Canari Zygomatique") && d.text.contains("brouillon"))
        d.keys(.enter)
        #expect(d.text.contains("Mot de passe à usage unique"))
        d.keys(.enter, .function(10))
        #expect(d.runner.state.quit)
    }

    @Test func failedSignInsShowTheDelay() throws {
        let dir = Dir()
        let (h, _) = try Self.create(dir)
        h.keys(.function(12))
        // Three free attempts, then a growing delay (1 s, 2 s, 4 s…): typed
        // at once, an attempt soon meets the delay, however slow the machine.
        var sawDelay = false
        for _ in 0..<6 where !sawDelay {
            h.type("Mauvais-Fictif-0000!"); h.keys(.enter)
            sawDelay = h.text.contains("Trop de tentatives échouées")
        }
        #expect(sawDelay, "\(h.text)")
        #expect(h.runner.state.session == nil)
        #expect(h.text.contains("Chaque connexion"))
        // The right passphrase, once the delay is over, is refused until then
        // and says so; nothing is unlocked by a wrong one.
        #expect(h.runner.state.form.passphrase.isEmpty)
    }

    @Test func theAdministrationWorksOnTheVault() throws {
        let dir = Dir()
        let (h, _) = try Self.create(dir)
        h.keys(.function(7))
        // The holder's line shows the name typed at creation (issue 13).
        #expect(h.text.split(separator: "\n").contains { $0.contains("mdurand") && $0.contains("Dr Marie Duran") }, "\(h.text)")
        h.keys(.char("n"))
        h.type("remplacant"); h.keys(.ctrl("r"), .tab, .enter)
        let onetime = try #require({ () -> String? in
            if case .oneTime(_, let p) = h.runner.state.admin.dialog { return p }
            return nil
        }())
        h.keys(.enter)
        #expect(h.text.contains("remplacant"))
        // The second factor, enrolled from the screen with a real code.
        h.keys(.char("t"))
        guard case .secondFactor(let offer, _) = h.runner.state.admin.dialog else {
            Issue.record("no enrolment: \(h.text)"); return
        }
        #expect(offer.qrLines.count > 10)
        let code = TOTP(secret: try #require(Base32.decode(offer.secret))).code(at: Date())
        h.type(code); h.keys(.enter)
        #expect(h.text.contains("Double authentification activée"), "\(h.text)")
        // Disable the replacement: the re-key is offered and done.
        h.keys(.up, .up, .up)
        while h.runner.state.admin.selectedAccount?.login != "remplacant" { h.keys(.down) }
        h.keys(.char("d"), .enter, .enter)
        #expect(h.text.contains("Clé de données changée"), "\(h.text)")
        #expect(throws: CabinetError.self) { try Vault.signIn(at: dir.vault, login: "remplacant", passphrase: Passphrase(onetime)) }
        // Settings: the delay, saved in the vault.
        h.keys(.tab, .left, .left, .enter)
        #expect(h.text.contains("Réglages enregistrés"))
        #expect(try (h.services as? VaultServices)?.practice?.accounts.lockAfterMinutes() == 8)
        #expect(h.runner.state.lockAfter == 8 * 60)
        // Opening hours and an absence, into the vault.
        h.keys(.tab)
        #expect(h.text.contains("Horaires d'ouverture"))
        for _ in 0..<5 { h.keys(.down) }
        h.keys(.ctrl("u"), .enter)
        #expect(h.text.contains("Horaires enregistrés."), "\(h.text)")
        let vault = try #require((h.services as? VaultServices)?.vault)
        #expect(try vault.practice().agenda.openingHours().days[6] == nil, "Saturday closed")
        #expect(try vault.practice().agenda.openingHours().days[1] == OpeningHours.standard.days[1])
        let day = PracticeClock.local(Date().addingTimeInterval(30 * 86_400)).date
        h.keys(.char("n")); h.type(day.formatted); h.keys(.tab, .tab); h.type(day.formatted); h.keys(.tab, .tab)
        h.type("Formation"); h.keys(.enter)
        #expect(h.text.contains("Absence ajoutée."), "\(h.text)")
        let (from, to) = PracticeClock.dayBounds(day)
        #expect(try vault.practice().agenda.absences(from: from, to: to).map(\.label) == ["Formation"])
    }

    /// A day's work in the patient file on a real vault: a patient created,
    /// a consultation written, locked in the middle (sealed draft), resumed,
    /// saved; the canary of the consultation is in no file of the directory;
    /// the front desk does not see it.
    @Test func aConsultationOnTheVaultNeverLeavesClearText() throws {
        let dir = Dir()
        let (h, onetime) = try Self.create(dir)
        Self.newPatient(h)
        h.keys(.right, .right, .right, .char("n"), .tab)
        h.type("Douleur thoracique"); h.keys(.tab)
        h.type("Canari-Thoracique-Xylophone")
        h.keys(.function(12))
        #expect(!dir.anyFileContains("Canari-Thoracique"))
        #expect(!dir.anyFileContains("Douleur thoracique"))
        h.type(Self.pass); h.keys(.enter)
        #expect(h.text.contains("Canari-Thoracique-Xylophone"))
        h.keys(.function(9))
        #expect(h.text.contains("Entrée enregistrée"), "\(h.text)")
        #expect(h.text.contains("Douleur thoracique"))
        h.keys(.function(10))
        #expect(!dir.anyFileContains("Canari-Thoracique"))
        #expect(!dir.anyFileContains("Zéphyrin") && !dir.anyFileContains("ZEPHYRIN"))
        // The front desk finds the patient, never the consultation.
        let s = Harness(services: VaultServices(path: dir.vault, kdf: .minimumForTests))
        s.now = Date()
        s.signIn("accueil", onetime)
        let next = "Accueil-Nouveau-Fictif-2026!"
        s.type(next); s.keys(.tab); s.type(next); s.keys(.enter)
        s.keys(.function(3))
        s.type("zeph"); s.keys(.enter)
        #expect(s.text.contains("ZÉPHYRIN Fictif") || s.text.contains("Fictif"), "\(s.text)")
        for _ in 0..<8 { s.keys(.right) }
        #expect(!s.allFramesText.contains("Canari") && !s.allFramesText.contains("Douleur"))
        // Opening the record was logged, for both.
        let v = try Vault.signIn(at: dir.vault, login: "mdurand", passphrase: Passphrase(Self.pass))
        defer { v.signOut() }
        let trail = try v.practice().audit.entries(object: "patient:1")
        #expect(trail.contains { $0.actor == "accueil" && $0.action == "record.opened" })
        #expect(trail.contains { $0.actor == "mdurand" && $0.detail == "clinical" })
        #expect(trail.contains { $0.actor == "mdurand" && $0.detail == "clinical:consultation" })
    }

    /// A correction keeps the original, and the history shows it as it was
    /// (Enter on its line), with its author and time; an identity version
    /// too; the changed fields named in French (issue 13, item 5).
    @Test func theHistoryShowsEachVersionAsItWas() throws {
        let dir = Dir()
        let (h, _) = try Self.create(dir)
        Self.newPatient(h)
        // Each write is stamped with the interface's clock, which the
        // harness holds still: a minute passes between them.
        h.now = h.now.addingTimeInterval(60)
        h.keys(.right, .right, .right, .char("n"), .tab)
        h.type("Toux sèche"); h.keys(.function(9))
        #expect(h.text.contains("Entrée enregistrée"), "\(h.text)")
        h.now = h.now.addingTimeInterval(60)
        // The correction: "e" on the consultation.
        h.keys(.char("e"))
        h.keys(.tab); h.keys(.ctrl("u")); h.type("Toux grasse"); h.keys(.function(9))
        #expect(h.text.contains("Toux grasse") && !h.text.contains("Toux sèche"), "\(h.text)")
        // To the history (the last tab), then to the original's line.
        for _ in 0..<8 where h.runner.state.patients.tab != .history { h.keys(.left) }
        #expect(h.runner.state.patients.tab == .history, "\(h.text)")
        let lines = Array(h.runner.state.patients.history.reversed())
        let original = try #require(h.runner.state.patients.superseded.first)
        let at = try #require(lines.firstIndex { $0.ref == .entry(id: original.id) })
        for _ in 0..<at { h.keys(.down) }
        h.keys(.enter)
        #expect(h.text.contains("Toux sèche") && h.text.contains("corrigé depuis") && h.text.contains("mdurand"), "\(h.text)")
        h.keys(.escape)
        #expect(h.runner.state.patients.reading == nil && h.runner.state.patients.openID != nil)
        // The first identity version, as it was.
        let first = try #require(lines.firstIndex { $0.ref == .identity(version: 1) })
        for _ in 0..<(first - at) { h.keys(.down) }
        h.keys(.enter)
        #expect(h.text.contains("Identité, version 1") && h.text.contains("05/06/1977"), "\(h.text)")
    }

    /// A phone typed with spaces is shown with them when the record is
    /// opened again, and saving the identity untouched writes no version
    /// and logs no change (issue 13, minor).
    @Test func anUntouchedIdentitySavesNothingAndAPhoneIsShownAsPeopleWriteIt() throws {
        let dir = Dir()
        let (h, _) = try Self.create(dir)
        h.keys(.function(3))
        h.type("Zéphyrin Fictif")
        h.keys(.function(8))
        h.type("M"); h.keys(.tab); h.type("05/06/1977")
        while h.runner.state.patients.editorForm?.focusedID != "phone" { h.keys(.tab) }
        h.type("06 12 34 56 78"); h.keys(.function(9))
        #expect(h.text.contains("Dossier enregistré"), "\(h.text)")
        #expect(h.text.contains("06 12 34 56 78"), "shown as typed: \(h.text)")
        let id = try #require(h.runner.state.patients.openID)
        func versions() throws -> (Int, Int) {
            let v = try Vault.signIn(at: dir.vault, login: "mdurand", passphrase: Passphrase(Self.pass))
            defer { v.signOut() }
            let record = try v.practice().patients.record(id)
            let writes = try v.practice().audit.entries(object: "patient:\(id)").filter { $0.object == "patient:\(id)" && $0.action == AuditAction.recordWritten.rawValue }.count
            return (record.version, writes)
        }
        let before = try versions()
        h.keys(.char("e"))
        let form = try #require(h.runner.state.patients.editorForm)
        #expect(form["phone"] == "06 12 34 56 78", "the form shows it as people write it")
        h.keys(.function(9))
        #expect(try versions() == before, "no new version, no change logged")
    }

    /// Documents shown from the real vault: a PDF's text through pdftotext
    /// (fed from memory, nothing written), a text file as is, an image
    /// described only; the opening logged (issue 13, item 9).
    @Test func documentsAreReadFromTheVault() throws {
        let dir = Dir()
        let (h, _) = try Self.create(dir)
        h.keys(.function(10))
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/documents")
        let services = VaultServices(path: dir.vault, kdf: .minimumForTests)
        _ = try services.signIn(login: "mdurand", passphrase: Passphrase(Self.pass), totp: nil)
        defer { services.signOut(discardDraft: true) }
        let patients = try #require(services.practice).patients
        let id = try patients.add(PatientIdentity(birthName: "Fictif", firstNames: "Paul", sex: .male,
                                                  birthDate: CivilDate(year: 1970, month: 1, day: 1)!))
        let pdf = try patients.importDocument(patient: id, path: fixtures.appendingPathComponent("compte-rendu-fictif.pdf").path,
                                              title: "Radiographie", date: CivilDate(year: 2026, month: 11, day: 2)!)
        let doc = try services.readDocument(entry: pdf)
        #expect(doc.mime == "application/pdf" && doc.title == "Radiographie")
        #expect(doc.text?.contains("Compte-rendu fictif de radiologie") == true, "\(doc.text ?? "no text")")
        let png = dir.url.appendingPathComponent("cliche.png")
        try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + [UInt8](repeating: 0, count: 64)).write(to: png)
        let image = try patients.importDocument(patient: id, path: png.path, title: "Cliché",
                                                date: CivilDate(year: 2026, month: 11, day: 2)!)
        #expect(try services.readDocument(entry: image).text == nil)
        #expect(!dir.anyFileContains("Compte-rendu fictif"), "nothing in clear beside the vault")
    }

    /// A deceased patient's age stops at death (issue 13, minor).
    @Test func aDeceasedPatientsAgeStopsAtDeath() throws {
        let dir = Dir()
        let (h, _) = try Self.create(dir)
        Self.newPatient(h)
        h.keys(.char("s"))
        h.type("01/01/2000"); h.keys(.function(9))
        #expect(h.text.contains("(22 ans)") && !h.text.contains("(49 ans)"), "\(h.text)")
    }

    /// The patient file (F3), a new patient typed and saved: Zéphyrin
    /// Fictif, born 05/06/1977; the record is then open.
    static func newPatient(_ h: Harness, sourceLocation: SourceLocation = #_sourceLocation) {
        h.keys(.function(3))
        h.type("Zéphyrin Fictif")
        h.keys(.function(8))
        h.type("M"); h.keys(.tab); h.type("05/06/1977"); h.keys(.function(9))
        #expect(h.text.contains("Dossier enregistré"), "\(h.text)", sourceLocation: sourceLocation)
    }

    /// A crash while typing: the draft kept every few seconds (sealed in the
    /// vault) comes back at the next sign-in.
    @Test func aCrashLosesAtMostAFewSeconds() throws {
        let dir = Dir()
        let (h, _) = try Self.create(dir)
        h.keys(.function(3))
        h.type("Crash Fictif"); h.keys(.function(8))
        h.type("F"); h.keys(.tab); h.type("01/02/1950")
        h.now = h.now.addingTimeInterval(AppRunner.draftInterval)
        h.runner.step(nil)
        #expect(!dir.anyFileContains("01/02/1950"))
        // No lock, no sign-out: as if the process had been killed.
        let again = Harness(services: VaultServices(path: dir.vault, kdf: .minimumForTests))
        again.now = Date()
        again.signIn("mdurand", Self.pass)
        #expect(again.runner.state.route == .main(.patients))
        #expect(again.text.contains("01/02/1950") && again.text.contains("Crash"), "\(again.text)")
    }
}
