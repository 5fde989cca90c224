@testable import CabinetApp
import CabinetCore
import CabinetCoreTesting
import Foundation
import Testing
import TerminalUI
import TerminalUITesting

/// The patient module over Core's services and in-memory repositories:
/// keys in, screens out.
@Suite struct PatientScreenTests {
    /// Monday 2 November 2026 in Paris: the records below were created at
    /// 09:00 and their entries written at 09:20, by "doc".
    static let created = Date(timeIntervalSince1970: 1_793_606_400)
    static let written = created.addingTimeInterval(20 * 60)

    /// Four patients (the fourth, limited, read-only) and three entries of
    /// the first one, in the fake's patient file.
    static func seeded(_ fake: FakeServices) {
        let patients = fake.repositories.patients
        let born = CivilDate(year: 1960, month: 3, day: 12) ?? CivilDate(Date())
        patients.seed(PatientIdentity(birthName: "Lefèvre", firstNames: "Hélène Marie", sex: .female, birthDate: born,
                                      addressLine1: "3 rue des Fictifs", postcode: "75000", city: "Paris", phone: "0199001234",
                                      nir: "260037512345652"), id: 1, at: created, by: "doc")
        patients.seed(PatientIdentity(birthName: "Dupont", firstNames: "Jean-Pierre", sex: .male,
                                      birthDate: CivilDate(year: 1984, month: 12, day: 1) ?? born), id: 2, at: created, by: "doc")
        patients.seed(PatientIdentity(birthName: "Dupont", firstNames: "Hélène", sex: .female,
                                      birthDate: CivilDate(year: 1990, month: 1, day: 1) ?? born), id: 3, at: created, by: "doc")
        patients.seed(PatientIdentity(birthName: "Gelé", firstNames: "Fictif", sex: .male,
                                      birthDate: CivilDate(year: 1970, month: 1, day: 1) ?? born), id: 4,
                      flags: PatientFlags(limited: true), at: created, by: "doc")
        let day = CivilDate(year: 2026, month: 11, day: 2) ?? born
        for entry in [
            ClinicalEntry(id: 1, patientID: 1, kind: .consultation, occurredOn: day, author: "doc", at: written, supersedes: nil,
                          fields: ["reason": "Toux", "examination": "Canari-Auscultation normale", "prescriptions": "Sirop"]),
            ClinicalEntry(id: 2, patientID: 1, kind: .vitals, occurredOn: day, author: "doc", at: written, supersedes: nil,
                          fields: ["weight": "72,5", "height": "170", "systolic": "130", "diastolic": "80"]),
            ClinicalEntry(id: 3, patientID: 1, kind: .allergy, occurredOn: day, author: "doc", at: written, supersedes: nil,
                          fields: ["substance": "Pénicilline", "reaction": "Urticaire"]),
        ] { patients.seed(entry) }
    }

    /// The patients kept, by id.
    static func identities(_ h: Harness) -> [PatientIdentity] {
        h.fake.repositories.patients.patients.values.sorted { $0.id < $1.id }.map(\.identity)
    }

    static func harness(_ login: String = "doc", _ pass: String = "Tres-Bon-Motdepasse-42", columns: Int = 80, rows: Int = 24) -> Harness {
        let fake = FakeServices()
        seeded(fake)
        let h = Harness(columns: columns, rows: rows, services: fake)
        h.signIn(login, pass)
        h.keys(.function(3))
        return h
    }

    @Test func searchAsYouTypeFindsHomonymsWithTheirBirthDates() throws {
        let h = Self.harness()
        #expect(h.text.contains("4 patients dans le cabinet"))
        h.type("dup")
        #expect(h.text.contains("DUPONT Jean-Pierre") && h.text.contains("DUPONT Hélène"))
        #expect(h.text.contains("01/12/1984") && h.text.contains("01/01/1990"))
        h.type(" hel")
        #expect(!h.text.contains("Jean-Pierre") && h.text.contains("DUPONT Hélène"))
        h.keys(.escape)
        h.type("LEFEVRE 12/03/1960")
        #expect(h.text.contains("LEFÈVRE Hélène Marie"))
        h.keys(.enter)
        #expect(h.fake.repositories.patients.calls.filter { $0.hasPrefix("open") } == ["open(clinical: true)"])
        #expect(h.fake.repositories.audit.entries(.recordOpened).map(\.object) == ["patient:1", "patient:1"], "opened once, logged")
        #expect(h.text.contains("née le 12/03/1960"))
        #expect(h.text.contains("2 60 03 75 123 456 52"))
    }

    @Test func theDoctorSeesTheClinicalTabs() throws {
        let h = Self.harness()
        h.type("lef"); h.keys(.enter)
        h.keys(.right)
        #expect(h.text.contains("Pénicilline"))
        h.keys(.right, .right)
        #expect(h.text.contains("Canari-Auscultation"))
        h.keys(.right)
        #expect(h.text.contains("72,5") && h.text.contains("25,1"), "BMI computed: \(h.text)")
        #expect(h.text.contains("130/80"))
    }

    @Test func theSecretarySeesNotASingleClinicalWord() throws {
        let h = Self.harness("accueil", "Accueil-Fictif-Secret-17")
        h.type("lef"); h.keys(.enter)
        #expect(h.text.contains("Identité") && h.text.contains("Historique"))
        for _ in 0..<8 { h.keys(.right) }
        #expect(!h.fake.repositories.patients.calls.contains("open(clinical: true)"))
        #expect(!h.fake.repositories.audit.entries(.recordOpened).contains { $0.detail?.hasPrefix("clinical") == true },
                "no clinical read")
        let everything = h.allFramesText
        for word in ["Canari", "Pénicilline", "Consultations", "Constantes", "Antécédents", "72,5"] {
            #expect(!everything.contains(word), "\(word) shown to the front desk")
        }
        // The clinical keys say why in the help.
        h.keys(.function(1))
        for _ in 0..<6 { h.keys(.pageDown) }
        #expect(h.allFramesText.contains("réservé aux médecins"))
    }

    @Test func aNewPatientIsCheckedAndADuplicateAsked() throws {
        let h = Self.harness()
        h.type("martin paul")
        h.keys(.function(8))
        #expect(h.text.contains("Nouveau patient"))
        #expect(h.text.contains("Martin") && h.text.contains("Paul"))
        // Sex missing: named.
        h.keys(.function(9))
        #expect(h.text.contains("Sexe : F, M ou I"))
        h.type("M"); h.keys(.tab)
        h.type("31/02/1980"); h.keys(.function(9))
        #expect(h.text.contains("n'existe pas") || h.text.contains("impossible"), "\(h.text)")
        h.keys(.ctrl("u")); h.type("12/03/2099"); h.keys(.function(9))
        #expect(h.text.contains("postérieure à aujourd'hui"), "\(h.text)")
        h.keys(.ctrl("u")); h.type("12/03/1980"); h.keys(.function(9))
        #expect(Self.identities(h).contains { $0.birthName == "Martin" })
        #expect(h.text.contains("Dossier enregistré"))
        // The same person again: the duplicate is raised.
        h.keys(.escape, .escape)
        h.type("martin paul"); h.keys(.function(8))
        #expect(h.runner.state.patients.editor.map { if case .identity(_, let f) = $0 { return f.focusedID }; return "" } == "sex",
                "the first field left to fill has the focus")
        h.type("M"); h.keys(.tab); h.type("12/03/1980"); h.keys(.function(9))
        #expect(h.text.contains("existe déjà"))
        h.keys(.enter)
        #expect(Self.identities(h).filter { $0.birthName == "Martin" }.count == 2)
    }

    /// Whose record is this: the header's allergy banner, and every
    /// clinical form names the patient (name, age, record number) and shows
    /// the allergies while a consultation is written (issue 13, item 4).
    @Test func theRecordAndItsFormsSayWhoseAndShowTheAllergies() throws {
        for (columns, rows) in [(80, 24), (120, 40)] {
            let h = Self.harness(columns: columns, rows: rows)
            h.type("lef"); h.keys(.enter)
            #expect(h.text.contains("ALLERGIES : Pénicilline"), "\(h.text)")
            h.keys(.right, .right, .right)
            h.keys(.char("n"))
            #expect(h.text.contains("Consultation — LEFÈVRE Hélène Marie"), "\(h.text)")
            #expect(h.text.contains("dossier n° 1") || columns < 100, "\(h.text)")
            #expect(h.text.contains("ALLERGIES : Pénicilline"), "while writing:\n\(h.text)")
        }
        // The front desk sees no clinical banner.
        let s = Self.harness("accueil", "Accueil-Fictif-Secret-17")
        s.type("lef"); s.keys(.enter)
        #expect(!s.text.contains("ALLERGIES") && !s.text.contains("Pénicilline"), "\(s.text)")
    }

    /// Ctrl-C does what the README says: what was typed is kept (sealed,
    /// with the lock), the vault locked, the loop left (issue 13).
    @Test func controlCKeepsWhatWasTypedAndLocks() throws {
        let h = Self.harness()
        h.type("lef"); h.keys(.enter)
        h.keys(.right, .right, .right)
        h.keys(.char("n")); h.keys(.tab); h.type("Fièvre")
        h.keys(.ctrl("c"))
        #expect(h.runner.interrupted && h.runner.state.quit)
        #expect(h.fake.locks == 1 && h.fake.signOuts == 1)
        let draft = try #require(h.fake.drafts["doc"] ?? nil, "the typed consultation is kept")
        #expect(String(decoding: draft, as: UTF8.self).contains("Fièvre"))
    }

    /// A consultation longer than the screen is read whole: the pane says
    /// what is below and Page Down scrolls to it, prescriptions included
    /// (issue 13, item 7).
    @Test func aLongConsultationIsReadWhole() throws {
        let h = Self.harness()
        let long = (1...40).map { "Ligne d'examen fictive numéro \($0)" }.joined(separator: "\n")
        h.fake.repositories.patients.seed(ClinicalEntry(id: 50, patientID: 1, kind: .consultation,
                                                        occurredOn: CivilDate(year: 2026, month: 11, day: 10)!, author: "doc",
                                                        at: FakeServices.referenceNow, supersedes: nil,
                                                        fields: ["reason": "Bilan", "examination": long,
                                                                 "prescriptions": "Ordonnance-Fictive-Finale"]))
        h.type("lef"); h.keys(.enter)
        while h.runner.state.patients.tab != .consultations { h.keys(.right) }
        #expect(h.text.contains("Bilan") && h.text.contains("numéro 1"), "\(h.text)")
        #expect(h.text.contains("encore") && !h.text.contains("Ordonnance-Fictive-Finale"), "\(h.text)")
        for _ in 0..<12 { h.keys(.pageDown) }
        #expect(h.text.contains("numéro 40") && h.text.contains("Ordonnance-Fictive-Finale"), "\(h.text)")
        h.keys(.pageUp)
        #expect(!h.text.contains("Ordonnance-Fictive-Finale") || h.text.contains("numéro 3"), "\(h.text)")
    }

    /// A document is read inside Cabinet (Enter on the Documents tab): its
    /// text scrolls, Échap closes, nothing is exported (issue 13, item 9).
    @Test func aDocumentIsReadInsideCabinet() throws {
        let h = Self.harness()
        let letter = (1...60).map { "Ligne \($0) du courrier fictif" }.joined(separator: "\n")
        h.fake.repositories.patients.seed(ClinicalEntry(id: 60, patientID: 1, kind: .document,
                                                        occurredOn: CivilDate(year: 2026, month: 11, day: 3)!, author: "doc",
                                                        at: FakeServices.referenceNow, supersedes: nil,
                                                        fields: ["title": "Courrier du cardiologue", "filename": "c.txt",
                                                                 "mime": "text/plain", "size": "900"]),
                                          document: ("text/plain", Array(letter.utf8)))
        h.type("lef"); h.keys(.enter)
        while h.runner.state.patients.tab != .documents { h.keys(.right) }
        h.keys(.enter)
        #expect(h.fake.repositories.patients.calls.filter { $0 == "readDocument" }.count == 1)
        #expect(h.fake.repositories.audit.contains(.recordOpened, object: "patient:1", detail: "document:60"))
        #expect(h.text.contains("Ligne 1 du courrier fictif") && h.text.contains("sur 60"), "\(h.text)")
        h.keys(.pageDown, .pageDown, .pageDown, .pageDown, .pageDown)
        #expect(h.text.contains("Ligne 60 du courrier fictif") && !h.text.contains("Ligne 1 du"), "\(h.text)")
        h.keys(.escape)
        #expect(h.runner.state.patients.viewing == nil && h.fake.repositories.patients.exported.isEmpty)
        // Locked while reading: nothing of it left in the state.
        h.keys(.enter, .function(12))
        #expect(h.runner.state.patients.viewing == nil && !h.text.contains("courrier fictif"))
    }

    /// An export in clear outside the user's own folder is written only on
    /// a second Enter, after saying why (issue 13, item 9).
    @Test func anExportOutsideTheHomeFolderAsksFirst() throws {
        let h = Self.harness()
        h.fake.repositories.patients.seed(ClinicalEntry(id: 61, patientID: 1, kind: .document,
                                                        occurredOn: CivilDate(year: 2026, month: 11, day: 3)!, author: "doc",
                                                        at: FakeServices.referenceNow, supersedes: nil,
                                                        fields: ["title": "Courrier", "filename": "c.txt", "mime": "text/plain",
                                                                 "size": "9"]),
                                          document: ("text/plain", Array("Courrier.".utf8)))
        h.type("lef"); h.keys(.enter)
        while h.runner.state.patients.tab != .documents { h.keys(.right) }
        h.keys(.char("x"))
        h.keys(.ctrl("u")); h.type("/tmp/partage/courrier.txt"); h.keys(.enter)
        #expect(h.fake.repositories.patients.exported.isEmpty && h.text.contains("hors de votre dossier personnel"), "\(h.text)")
        h.keys(.enter)
        #expect(Array(h.fake.repositories.patients.exported.keys) == ["/tmp/partage/courrier.txt"])
        #expect(h.fake.repositories.audit.contains(.export, object: "patient:1", detail: "document:61"))
    }

    /// Échap on a consultation being written asks before dropping it (it
    /// vanished on one key); any other key goes on; a second Échap drops it
    /// (issue 13, item 3).
    @Test func escapeAsksBeforeDroppingATypedConsultation() throws {
        let h = Self.harness()
        h.type("lef"); h.keys(.enter)
        h.keys(.right, .right, .right)
        let before = h.fake.repositories.patients.clinical.count
        h.keys(.char("n")); h.keys(.tab)
        h.type("Fièvre"); h.keys(.tab); h.type("Gorge rouge")
        h.keys(.escape)
        #expect(h.runner.state.patients.editor != nil, "one Échap drops nothing")
        #expect(h.text.contains("Échap de nouveau pour abandonner"), "\(h.text)")
        h.type(", pas d'adénopathie")
        #expect(h.text.contains("Gorge rouge, pas d'adénopathie") && !h.text.contains("Échap de nouveau"), "\(h.text)")
        h.keys(.escape, .escape)
        #expect(h.runner.state.patients.editor == nil && !h.text.contains("Gorge rouge"))
        #expect(h.fake.repositories.patients.clinical.count == before, "nothing saved")
        // An empty form closes at once.
        h.keys(.char("n"))
        #expect(h.runner.state.patients.editor != nil)
        h.keys(.escape)
        #expect(h.runner.state.patients.editor == nil)
    }

    @Test func aConsultationIsWrittenKeptAcrossALockAndSaved() throws {
        let h = Self.harness()
        h.type("lef"); h.keys(.enter)
        h.keys(.right, .right, .right)
        h.keys(.char("n"))
        #expect(h.text.contains("Consultation"))
        h.keys(.tab)
        h.type("Fièvre"); h.keys(.tab)
        h.type("Gorge rouge,"); h.keys(.enter); h.type("pas d'adénopathie")
        h.runner.step(.paste("\u{1B}[31mCollé\u{07} depuis un autre logiciel"))
        // Locked in the middle: nothing left on screen, all kept.
        h.keys(.function(12))
        #expect(!h.text.contains("Gorge"))
        #expect(h.runner.state.patients == PatientsState())
        h.type("Tres-Bon-Motdepasse-42"); h.keys(.enter)
        #expect(h.text.contains("Gorge rouge,") && h.text.contains("pas d'adénopathie"), "\(h.text)")
        #expect(h.text.contains("Collé depuis"))
        #expect(!h.text.contains("[31m"))
        h.keys(.tab); h.type("Angine virale")
        h.keys(.function(9))
        let saved = try #require(h.fake.repositories.patients.keptEntries().last)
        #expect(saved.kind == .consultation && saved.fields["reason"] == "Fièvre")
        #expect(saved.fields["examination"] == "Gorge rouge,\npas d'adénopathieCollé depuis un autre logiciel")
        #expect(saved.fields["conclusion"] == "Angine virale")
        #expect(h.text.contains("Entrée enregistrée"))
    }

    @Test func whatIsTypedIsKeptEveryFewSecondsAgainstACrash() throws {
        let h = Self.harness()
        h.type("lef"); h.keys(.enter, .right, .right, .right, .char("n"), .tab)
        h.type("Vertiges")
        h.now = h.now.addingTimeInterval(AppRunner.draftInterval)
        h.runner.step(nil)
        let kept = try #require(h.fake.kept.last.flatMap { $0 })
        #expect(Draft.decode(kept)?.patients?.editor != nil)
        // The process dies here (no lock, no sign-out); a new one starts.
        let again = Harness(services: h.fake)
        again.signIn("doc", "Tres-Bon-Motdepasse-42")
        #expect(again.text.contains("Vertiges"), "\(again.text)")
        // Once saved, the kept draft goes.
        again.keys(.function(9))
        again.now = again.now.addingTimeInterval(AppRunner.draftInterval)
        again.runner.step(nil)
        #expect(h.fake.kept.last == .some(nil))
    }

    @Test func theDoctorSetsTheRecordsStatus() throws {
        let h = Self.harness()
        h.type("lef"); h.keys(.enter, .char("s"))
        #expect(h.text.contains("Statut du dossier"))
        h.type("31/02/2026"); h.keys(.function(9))
        #expect(!h.fake.repositories.patients.calls.contains("setFlags"))
        #expect(h.fake.repositories.patients.patients[1]?.flags == PatientFlags())
        h.keys(.ctrl("u")); h.keys(.tab, .ctrl("u")); h.type("oui"); h.keys(.tab, .ctrl("u")); h.type("oui"); h.keys(.function(9))
        #expect(h.fake.repositories.patients.patients[1]?.flags == PatientFlags(deceasedOn: nil, legalHold: true, limited: true))
        // "non" is no, "y" (English) and "o" are yes.
        h.keys(.char("s"), .ctrl("u"), .tab, .ctrl("u")); h.type("non"); h.keys(.tab, .ctrl("u")); h.type("y"); h.keys(.function(9))
        #expect(h.fake.repositories.patients.patients[1]?.flags == PatientFlags(deceasedOn: nil, legalHold: false, limited: true))
        // Not for the front desk.
        let s = Self.harness("accueil", "Accueil-Fictif-Secret-17")
        s.type("lef"); s.keys(.enter, .char("s"))
        #expect(s.runner.state.patients.editor == nil)
    }

    @Test func vitalsOutOfRangeAreRefused() throws {
        let h = Self.harness()
        h.type("lef"); h.keys(.enter)
        h.keys(.right, .right, .right, .right, .char("n"))
        h.keys(.tab); h.type("900"); h.keys(.function(9))
        #expect(h.runner.state.patients.editor != nil)
        #expect(h.fake.repositories.patients.clinical.count == 3)
        h.keys(.ctrl("u")); h.type("72,5"); h.keys(.tab); h.type("170"); h.keys(.function(9))
        #expect(h.fake.repositories.patients.clinical.count == 4)
    }

    /// Possible but unusual values (300/20 mmHg) are said, whole at 80×24,
    /// and saved only on a second F9; a value typed in between asks again.
    @Test func unusualVitalsAreAskedBeforeTheyAreSaved() throws {
        let h = Self.harness()
        h.type("lef"); h.keys(.enter)
        h.keys(.right, .right, .right, .right, .char("n"))
        h.keys(.tab); h.type("72,5"); h.keys(.tab); h.type("170"); h.keys(.tab); h.type("300"); h.keys(.tab); h.type("20")
        h.keys(.function(9))
        #expect(h.fake.repositories.patients.clinical.count == 3, "not saved on the first F9")
        let screen = h.text
        #expect(screen.contains("Valeur inhabituelle"), "\(screen)")
        #expect(screen.contains("300 mmHg") && screen.contains("20 mmHg") && screen.contains("280 mmHg"), "\(screen)")
        #expect(screen.contains("telle quelle"), "the whole message, wrapped at 80 columns: \(screen)")
        // A change asks again.
        h.keys(.end, .backspace); h.type("0"); h.keys(.function(9))
        #expect(h.fake.repositories.patients.clinical.count == 3 && h.text.contains("Valeur inhabituelle"))
        // A value pasted after the question is asked about again.
        h.keys(.tab, .ctrl("u")); h.runner.step(.paste("25")); h.keys(.function(9))
        #expect(h.fake.repositories.patients.clinical.count == 3 && h.text.contains("25 mmHg"), "pasted, asked again: \(h.text)")
        h.keys(.function(9))
        #expect(h.fake.repositories.patients.clinical.count == 4)
        let saved = h.fake.repositories.patients.keptEntries().last
        #expect(saved?.fields["systolic"] == "300" && saved?.fields["diastolic"] == "25")
        // Usual values go through on the first F9.
        h.keys(.char("n"), .tab); h.type("72,5"); h.keys(.tab); h.type("170"); h.keys(.tab); h.type("130"); h.keys(.tab); h.type("80")
        h.keys(.function(9))
        #expect(h.fake.repositories.patients.clinical.count == 5)
    }

    /// A birth in 1900 (a slip for 2000?) is asked before it is saved; a
    /// date already on file is not asked again at the next edit.
    @Test func aBirthLongAgoIsAskedBeforeItIsSaved() throws {
        let h = Self.harness()
        h.type("Centenaire Fictif"); h.keys(.function(8))
        h.type("F"); h.keys(.tab); h.type("02/01/1900"); h.keys(.function(9))
        #expect(Self.identities(h).count == 4, "not saved on the first F9")
        #expect(h.text.contains("Date de naissance inhabituelle") && h.text.contains("ans aujourd'hui"), "\(h.text)")
        // Another date pasted after the question: asked about again.
        h.keys(.ctrl("u")); h.runner.step(.paste("03/01/1900")); h.keys(.function(9))
        #expect(Self.identities(h).count == 4, "the pasted date was not the one confirmed")
        h.keys(.function(9))
        #expect(Self.identities(h).count == 5)
        #expect(Self.identities(h).contains { $0.birthDate.year == 1900 })
        h.keys(.char("e"), .function(9))
        #expect(!h.text.contains("inhabituelle"), "\(h.text)")
    }

    /// A form opened with its values (an identity, a correction) and left
    /// as it was closes on Échap at once; a change makes Échap ask first.
    @Test func escapeClosesAnUntouchedFormAndAsksAboutAChangedOne() throws {
        let h = Self.harness()
        h.type("lef"); h.keys(.enter)
        h.keys(.char("e"))
        #expect(h.runner.state.patients.editor != nil)
        h.keys(.escape)
        #expect(h.runner.state.patients.editor == nil, "nothing changed: closed at once")
        h.keys(.char("e"), .end)
        h.type("-Test")
        h.keys(.escape)
        #expect(h.runner.state.patients.editor != nil && h.text.contains("Échap de nouveau"), "\(h.text)")
        h.keys(.escape)
        #expect(h.runner.state.patients.editor == nil)
        // A correction of a consultation, untouched, then changed.
        h.keys(.right, .right, .right, .char("e"))
        #expect(h.text.contains("correction"))
        h.keys(.escape)
        #expect(h.runner.state.patients.editor == nil)
        // A new patient's empty form (its defaults are not input).
        let n = Self.harness()
        n.keys(.function(8))
        #expect(n.runner.state.patients.editor != nil)
        n.keys(.escape)
        #expect(n.runner.state.patients.editor == nil)
    }

    /// The open record's keys are the action catalogue's, as the agenda's:
    /// every key that acts on it (↑ ↓ aside) is a catalogue command, so the
    /// help and the man page list it (issue 14).
    @Test func everyRecordKeyComesFromTheCatalogue() throws {
        let h = Self.harness()
        h.type("lef"); h.keys(.enter)
        var keys: [Key] = (0x20...0x7E).compactMap { UnicodeScalar($0).map { Key.char(Character($0)) } }
        keys += (1...12).map { Key.function($0) } + "abcdefghijklmnopqrstuvwxyz".map { Key.ctrl($0) }
        keys += [.left, .right, .up, .down, .pageUp, .pageDown, .home, .end, .tab, .backTab, .backspace, .delete, .escape]
        var used = 0
        for tab in PatientTab.allCases {
            var base = h.runner.state
            base.patients.tab = tab
            for key in keys {
                var s = base
                guard let effects = handleFile(key, &s), s != base || !effects.isEmpty else { continue }
                used += 1
                if key == .up || key == .down { continue }
                #expect(AppCommands.command(for: key, in: .patients) != nil, "\(key) acts on the record (\(tab)) but is not in the catalogue")
            }
        }
        #expect(used >= 30, "the record's keys were tried (\(used))")
    }

    /// The search list's commands are the catalogue's too (↑ ↓ move the
    /// selection; letters, digits and editing keys type the search).
    @Test func everySearchListCommandComesFromTheCatalogue() throws {
        let h = Self.harness()
        h.type("lef")
        let base = h.runner.state
        #expect(base.patients.openID == nil && !base.patients.results.isEmpty)
        var keys: [Key] = (1...12).map { Key.function($0) } + "abcdefghijklmnopqrstuvwxyz".map { Key.ctrl($0) }
        keys += [.pageUp, .pageDown, .home, .end, .tab, .backTab, .escape, .enter]
        var used = 0
        for key in keys {
            var s = base
            guard let effects = handlePatients(key, &s), s != base || !effects.isEmpty else { continue }
            // Keys the search field takes for itself (cursor, deletion) are
            // the text field's, not commands.
            var field = base.patients.query
            if AppCommands.command(for: key, in: .patients) == nil, field.edit(key) { continue }
            used += 1
            #expect(AppCommands.command(for: key, in: .patients) != nil, "\(key) acts on the search list but is not in the catalogue")
        }
        #expect(used >= 3, "open, new, back; a page moves only in a longer list (\(used))")
    }

    /// The record's status form: a date of death after today is said as a
    /// date of death; what was typed is dropped only on a second Échap.
    @Test func theStatusFormSpeaksOfDeathAndAsksBeforeDropping() throws {
        let h = Self.harness()
        h.type("lef"); h.keys(.enter, .char("s"))
        h.type("01/01/2099"); h.keys(.function(9))
        #expect(NarrowScreenTests.showsWhole(h.text, "La date de décès ne peut pas être postérieure"), "\(h.text)")
        #expect(!h.text.contains("date de naissance ne peut"))
        h.keys(.escape)
        #expect(h.runner.state.patients.editor != nil && h.text.contains("Échap de nouveau"), "\(h.text)")
        h.keys(.escape)
        #expect(h.runner.state.patients.editor == nil)
        // Untouched: closed at once.
        h.keys(.char("s"), .escape)
        #expect(h.runner.state.patients.editor == nil)
    }

    @Test func aFrozenRecordRefusesEdits() throws {
        let h = Self.harness()
        h.type("gelé"); h.keys(.enter)
        #expect(h.text.contains("DOSSIER GELÉ"))
        h.keys(.char("e"))
        #expect(h.runner.state.patients.editor == nil)
        #expect(h.text.contains("gelé (limitation"))
    }

    @Test func quittingDuringAConsultationAsksFirst() throws {
        let h = Self.harness()
        h.type("lef"); h.keys(.enter, .right, .right, .right, .char("n"), .tab)
        h.type("Fièvre")
        h.keys(.function(10))
        #expect(!h.runner.state.quit)
        h.keys(.function(10))
        #expect(h.runner.state.quit)
    }

    @Test func snapshots() throws {
        for (cols, rows) in [(80, 24), (120, 40)] {
            let suffix = "\(cols)x\(rows)"
            let h = Self.harness(columns: cols, rows: rows)
            h.type("dup")
            #expect(Snapshot.verify(try #require(h.screen.current), named: "patients-list-\(suffix)", styles: true) == nil)
            h.keys(.escape); h.type("lef"); h.keys(.enter)
            for tab in ["identity", "antecedents", "treatments", "consultations", "vitals", "documents", "history"] {
                #expect(Snapshot.verify(try #require(h.screen.current), named: "patients-\(tab)-\(suffix)") == nil)
                h.keys(.right)
            }
            h.keys(.left, .left, .left, .left, .char("n"))
            #expect(Snapshot.verify(try #require(h.screen.current), named: "patients-consultation-form-\(suffix)") == nil)
            h.keys(.escape, .left, .left, .left, .char("e"))
            #expect(Snapshot.verify(try #require(h.screen.current), named: "patients-identity-form-\(suffix)") == nil)
        }
        let s = Self.harness("accueil", "Accueil-Fictif-Secret-17")
        s.type("lef"); s.keys(.enter)
        #expect(Snapshot.verify(try #require(s.screen.current), named: "patients-identity-secretary") == nil)
    }
}

extension PatientsState {
    /// The identity form being typed, if that is the editor open.
    var editorForm: Form? {
        if case .identity(_, let form)? = editor { return form }
        return nil
    }
}
