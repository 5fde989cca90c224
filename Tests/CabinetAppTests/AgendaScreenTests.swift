@testable import CabinetApp
import CabinetCore
import CabinetCoreTesting
import Foundation
import Testing
import TerminalUI
import TerminalUITesting

/// The appointment book over Core's agenda service and in-memory
/// repositories. The harness's clock is Wednesday 18/11/2026 12:06 in Paris.
@Suite struct AgendaScreenTests {
    static let wednesday = CivilDate(year: 2026, month: 11, day: 18) ?? CivilDate(Date())

    static func at(_ h: Int, _ m: Int, _ day: CivilDate = wednesday) -> Date {
        PracticeClock.instant(day, TimeOfDay(minutes: h * 60 + m)) ?? Date()
    }

    static func harness(_ login: String = "doc", _ pass: String = "Tres-Bon-Motdepasse-42", columns: Int = 80, rows: Int = 24) -> Harness {
        let fake = FakeServices()
        PatientScreenTests.seeded(fake)
        _ = try? fake.book(patient: 2, start: at(14, 0), minutes: 20, type: "consultation", reason: "", force: false)
        _ = try? fake.book(patient: 3, start: at(14, 20), minutes: 30, type: "first", reason: "Vaccin à préparer", force: false)
        _ = try? fake.book(patient: 1, start: at(9, 0, wednesday.adding(days: 1) ?? wednesday), minutes: 20, type: "consultation",
                           reason: "", force: false)
        let h = Harness(columns: columns, rows: rows, services: fake)
        h.signIn(login, pass)
        return h
    }

    @Test func theDayShowsItsAppointmentsAndTheTimeNow() throws {
        let h = Self.harness()
        #expect(h.text.contains("Mercredi 18 novembre 2026"))
        #expect(h.text.contains("14:00  20 min  DUPONT Jean-Pierre · Consultation · Réservé"), "\(h.text)")
        #expect(h.text.contains("14:20  30 min  DUPONT Hélène · Première consultation"))
        #expect(h.text.contains("▶ 12:06 ───"), "the time now is marked:\n\(h.text)")
        h.keys(.right)
        #expect(h.text.contains("Jeudi 19 novembre 2026") && h.text.contains("09:00  20 min  LEFÈVRE Hélène Marie"))
        h.keys(.char("t"))
        #expect(h.text.contains("Mercredi 18 novembre 2026"))
    }

    @Test func aSecretaryBooksAtTheNextFreeSlotAndAConflictIsRefused() throws {
        let h = Self.harness("accueil", "Accueil-Fictif-Secret-17")
        h.keys(.char("n"))
        #expect(h.text.contains("Nouveau rendez-vous"))
        h.type("lef")
        #expect(h.text.contains("LEFÈVRE Hélène Marie"))
        h.keys(.enter)
        // The next free slot after now (12:06), 20 minutes before the break.
        #expect(h.runner.state.agenda.booking?.form["time"] == "12:10", "\(h.text)")
        h.keys(.ctrl("u")); h.type("14:10")
        h.keys(.function(9))
        #expect(h.text.contains("Ce créneau est déjà pris"), "\(h.text)")
        h.keys(.ctrl("u")); h.type("15:00"); h.keys(.function(9))
        #expect(h.text.contains("Rendez-vous enregistré"))
        #expect(h.text.contains("15:00  20 min  LEFÈVRE Hélène Marie"))
        #expect(h.fake.repositories.agenda.stored.count == 4)
    }

    /// The agenda's keys are the action catalogue's: every key the day view
    /// acts on (↑ ↓ aside, which only move the selection) is a catalogue
    /// command, so the help, the key bar and the man page list it (issue 14).
    @Test func everyAgendaKeyComesFromTheCatalogue() throws {
        let h = Self.harness()
        let base = h.runner.state
        var keys: [Key] = (0x20...0x7E).compactMap { UnicodeScalar($0).map { Key.char(Character($0)) } }
        keys += (1...12).map { Key.function($0) } + "abcdefghijklmnopqrstuvwxyz".map { Key.ctrl($0) }
        keys += [.left, .right, .up, .down, .pageUp, .pageDown, .home, .end, .enter, .tab, .backTab, .backspace, .delete]
        var used = 0
        for key in keys {
            var s = base
            guard let effects = handleAgenda(key, &s), s != base || !effects.isEmpty else { continue }
            used += 1
            if key == .up || key == .down { continue }
            #expect(AppCommands.command(for: key, in: .agenda) != nil, "\(key) acts in the agenda but is not in the catalogue")
        }
        #expect(used >= 14, "the agenda's keys were tried (\(used))")
    }

    /// An account set to English reads its errors in English inside its
    /// English screens (they were worded in the process's French).
    @Test func errorsAreWordedInTheSessionsLanguage() throws {
        let fake = FakeServices()
        PatientScreenTests.seeded(fake)
        _ = try? fake.book(patient: 2, start: Self.at(14, 0), minutes: 20, type: "consultation", reason: "", force: false)
        fake.repositories.accounts.preferences["language"] = Language.english.rawValue
        let h = Harness(services: fake)
        h.signIn("accueil", "Accueil-Fictif-Secret-17")
        h.keys(.char("n")); h.type("lef"); h.keys(.enter)
        h.keys(.ctrl("u")); h.type("14:10"); h.keys(.function(9))
        #expect(NarrowScreenTests.showsWhole(h.text, "This slot is already taken"), "\(h.text)")
        #expect(!h.text.contains("déjà pris"), "\(h.text)")
    }

    /// Échap closes the booking and the move form (it used to put an empty
    /// form back for ever); typed input is dropped only on a second Échap
    /// (issue 13, blocker 2).
    @Test func escapeClosesTheBookingAndMoveFormsAskingBeforeDroppingInput() throws {
        for (login, pass) in [("doc", "Tres-Bon-Motdepasse-42"), ("accueil", "Accueil-Fictif-Secret-17")] {
            let h = Self.harness(login, pass)
            h.keys(.char("n"))
            #expect(h.text.contains("Nouveau rendez-vous"))
            h.keys(.escape)
            #expect(!h.text.contains("Nouveau rendez-vous") && h.runner.state.agenda.booking == nil, "\(h.text)")
            // With a patient chosen: asked, another key goes on, then two Échap close.
            h.keys(.char("n")); h.type("lef"); h.keys(.enter)
            h.keys(.escape)
            #expect(h.text.contains("Échap de nouveau pour abandonner"), "\(h.text)")
            h.keys(.tab)
            #expect(h.runner.state.agenda.booking != nil && !h.text.contains("Échap de nouveau"))
            h.keys(.escape, .escape)
            #expect(h.runner.state.agenda.booking == nil && !h.text.contains("Nouveau rendez-vous"), "\(h.text)")
            // It stays closed across modules and a fresh booking has its defaults.
            h.keys(.function(3), .function(2))
            #expect(!h.text.contains("Nouveau rendez-vous"))
            h.keys(.char("n")); h.type("lef"); h.keys(.enter)
            #expect(h.runner.state.agenda.booking?.form["time"] == "12:10", "\(h.text)")
            h.keys(.escape, .escape)
            // The move form (on the 14:00 appointment) closes too.
            h.keys(.down, .down)
            h.keys(.char("m"))
            #expect(h.runner.state.agenda.moving != nil, "the move form opened:\n\(h.text)")
            h.keys(.escape, .escape)
            #expect(h.runner.state.agenda.booking == nil && h.runner.state.agenda.moving == nil, "\(h.text)")
        }
    }

    /// The agenda acts on what the user sees (issue 13, item 8): dialogs
    /// name the patient and the time, a no-show before its time is asked,
    /// the view and the selection follow a booking and a move, the day says
    /// what is below, the wait stops counting once the patient goes in.
    @Test func theAgendaActsOnWhatTheUserSees() throws {
        let h = Self.harness()
        // 14:00, DUPONT Jean-Pierre: not yet happened at 12:06.
        #expect(h.runner.state.agenda.dayList(h.runner.state.now)[h.runner.state.agenda.selected].patientName == "DUPONT Jean-Pierre")
        h.keys(.char("a"))
        #expect(h.text.contains("DUPONT Jean-Pierre") && h.text.contains("18/11/2026 14:00") && h.text.contains("pas encore eu lieu"),
                "\(h.text)")
        h.keys(.escape)
        #expect(h.fake.repositories.agenda.keptAppointments().first { $0.patientID == 2 }?.status == .booked, "Échap records nothing")
        h.keys(.char("a"), .enter)
        #expect(h.fake.repositories.agenda.keptAppointments().first { $0.patientID == 2 }?.status == .noShow, "Enter confirms")
        // The cancel dialog names what it cancels.
        h.keys(.down)
        h.keys(.char("c"))
        #expect(h.text.contains("DUPONT Hélène") && h.text.contains("14:20"), "\(h.text)")
        h.keys(.escape)
        // A booking on another day: the view goes there, the booking selected.
        h.keys(.char("n")); h.type("lef"); h.keys(.enter)
        h.keys(.backTab) // from the time to the date
        h.keys(.ctrl("u")); h.type("20/11/2026"); h.keys(.tab); h.keys(.ctrl("u")); h.type("10:00"); h.keys(.function(9))
        #expect(h.text.contains("Vendredi 20 novembre 2026"), "\(h.text)")
        let friday = h.runner.state.agenda.dayList(h.runner.state.now)
        #expect(friday.indices.contains(h.runner.state.agenda.selected)
                && PracticeClock.local(friday[h.runner.state.agenda.selected].start).time.formatted == "10:00", "\(h.text)")
        // Moved to Thursday 11:00: the view and the selection follow it.
        h.keys(.char("m"))
        h.keys(.ctrl("u")); h.type("10:40"); h.keys(.function(9))
        let after = h.runner.state.agenda.dayList(h.runner.state.now)
        #expect(after.indices.contains(h.runner.state.agenda.selected)
                && PracticeClock.local(after[h.runner.state.agenda.selected].start).time.formatted == "10:40", "\(h.text)")
    }

    @Test func aFullDaySaysWhatIsBelowAndTheWaitStopsWhenThePatientGoesIn() throws {
        let h = Self.harness()
        for slot in 0..<16 {
            _ = try? h.fake.book(patient: 1, start: Self.at(15 + slot / 3, (slot % 3) * 20), minutes: 20, type: "consultation", reason: "",
                                 force: true)
        }
        h.keys(.char("w"), .char("w")) // the week view and back: read again
        #expect(h.text.contains("rendez-vous plus bas"), "\(h.text)")
        // Arrived, then in consultation: the wait is no longer counted.
        h.keys(.char("t"))
        h.keys(.char(" "))
        h.keys(.char("s"))
        #expect(h.text.contains("0 min") && !h.text.contains("entré(e)"), "\(h.text)")
        h.keys(.char(" "))
        #expect(h.text.contains("entré(e)") && !h.text.contains("0 min"), "\(h.text)")
    }

    @Test func outsideHoursOnlyADoctorMayForce() throws {
        let s = Self.harness("accueil", "Accueil-Fictif-Secret-17")
        s.keys(.char("n")); s.type("lef"); s.keys(.enter)
        s.keys(.ctrl("u")); s.type("12:45"); s.keys(.function(9))
        #expect(s.text.contains("Seul un médecin peut passer"), "\(s.text)")
        s.keys(.enter)
        #expect(s.fake.repositories.agenda.stored.count == 3)
        let d = Self.harness()
        d.keys(.char("n")); d.type("lef"); d.keys(.enter)
        d.keys(.ctrl("u")); d.type("12:45"); d.keys(.function(9))
        #expect(d.text.contains("prendre quand même"))
        d.keys(.enter)
        #expect(d.fake.repositories.agenda.stored.count == 4)
    }

    @Test func aPatientIsCreatedOnTheSpot() throws {
        let h = Self.harness("accueil", "Accueil-Fictif-Secret-17")
        h.keys(.char("n")); h.type("Nouvelle Patiente")
        h.keys(.function(8))
        #expect(h.text.contains("identité minimale"))
        h.type("F"); h.keys(.tab); h.type("02/02/2002"); h.keys(.function(9))
        #expect(h.runner.state.agenda.booking?.patientName == "NOUVELLE Patiente")
        h.keys(.function(9))
        #expect(h.fake.repositories.agenda.keptAppointments().contains { $0.patientName == "NOUVELLE Patiente" })
    }

    @Test func theStatusCyclesAndTheWaitingRoomOpensTheFileForTheDoctor() throws {
        let h = Self.harness()
        h.keys(.char(" "))
        #expect(h.fake.repositories.audit.statusChanges.last?.status == .arrived)
        #expect(h.text.contains("Arrivé"))
        h.keys(.char("s"))
        #expect(h.text.contains("Salle d'attente — aujourd'hui") && h.text.contains("DUPONT Jean-Pierre"))
        h.keys(.enter)
        #expect(h.fake.repositories.audit.statusChanges.last?.status == .inConsultation)
        #expect(h.runner.state.route == .main(.patients))
        #expect(h.runner.state.patients.openID == 2)
        // The front desk sees the waiting room but opens no file from it.
        let s = Self.harness("accueil", "Accueil-Fictif-Secret-17")
        s.keys(.char(" "), .char("s"), .enter)
        #expect(s.runner.state.route == .main(.agenda))
    }

    @Test func cancellingAsksWhoAndFreesTheSlot() throws {
        let h = Self.harness()
        h.keys(.char("c"))
        #expect(h.text.contains("Annulé par qui"))
        h.keys(.char("p"))
        #expect(h.fake.repositories.audit.statusChanges.last?.status == .cancelledByPatient)
        #expect(h.text.contains("Annulé (patient)"))
    }

    @Test func aMoveKeepsThePatient() throws {
        let h = Self.harness()
        h.keys(.char("m"))
        #expect(h.text.contains("Déplacer le rendez-vous") && h.text.contains("DUPONT Jean-Pierre"))
        h.keys(.ctrl("u")); h.type("16:00"); h.keys(.function(9))
        #expect(h.text.contains("Rendez-vous déplacé"))
        #expect(h.fake.repositories.agenda.kept(1).map { PracticeClock.local($0.start).time.formatted } == "16:00")
    }

    @Test func theWeekShowsEachDay() throws {
        let h = Self.harness(columns: 120, rows: 40)
        h.keys(.char("w"))
        #expect(h.text.contains("Semaine du 16/11/2026"))
        #expect(h.text.contains("Mer 18/11") && h.text.contains("Jeu 19/11"))
        #expect(h.text.contains("09:00 LEFÈVRE"))
    }

    /// In the week view the keys act on what is shown: ← → choose the day
    /// (its column highlighted), ↑ ↓ an appointment in it (highlighted), and
    /// Space changes the status of that one.
    @Test func theWeekActsOnTheHighlightedAppointment() throws {
        let h = Self.harness(columns: 120, rows: 40)
        h.keys(.char("w"))
        // Wednesday: 14:00 then 14:20; the second one is chosen.
        h.keys(.down)
        let canvas = try #require(h.screen.current)
        let row = try #require(canvas.lines().firstIndex { $0.contains("14:20 DUPONT") })
        let chars = Array(canvas.line(row))
        let x = try #require((0..<(chars.count - 4)).first { String(chars[$0..<($0 + 5)]) == "14:20" })
        #expect(canvas[x: x, y: row].style.role == .selection, "the chosen appointment is highlighted")
        let first = try #require(canvas.lines().firstIndex { $0.contains("14:00 DUPONT") })
        let x0 = try #require((0..<(chars.count - 4)).first { String(Array(canvas.line(first))[$0..<($0 + 5)]) == "14:00" })
        #expect(canvas[x: x0, y: first].style.role != .selection)
        h.keys(.char(" "))
        #expect(h.fake.repositories.audit.statusChanges.last?.id == 2, "the 14:20 appointment, the one shown chosen")
        // → to Thursday: its single appointment, then ← → move day by day.
        func loads() -> Int { h.fake.repositories.agenda.calls.filter { $0 == "span" }.count }
        let before = loads()
        h.keys(.right)
        #expect(loads() == before, "another day of the week already loaded: not read again")
        h.keys(.char(" "))
        #expect(h.fake.repositories.audit.statusChanges.last?.id == 3)
        #expect(h.text.contains("Semaine du 16/11/2026"), "still the same week")
        h.keys(.pageDown)
        #expect(h.text.contains("Semaine du 23/11/2026"))
    }

    @Test func anotherDesksBookingAppearsWithinASecond() throws {
        let h = Self.harness()
        #expect(!h.text.contains("16:30  20 min"))
        _ = try h.fake.book(patient: 1, start: Self.at(16, 30), minutes: 20, type: "consultation", reason: "", force: false)
        h.now = h.now.addingTimeInterval(AppRunner.refreshInterval)
        h.runner.step(nil)
        #expect(h.text.contains("16:30  20 min  LEFÈVRE"), "\(h.text)")
        // Typing in a booking form is never disturbed by a refresh.
        h.keys(.char("n")); h.type("dup")
        _ = try h.fake.book(patient: 1, start: Self.at(17, 30), minutes: 20, type: "consultation", reason: "", force: false)
        h.now = h.now.addingTimeInterval(AppRunner.refreshInterval)
        h.runner.step(nil)
        #expect(h.runner.state.agenda.booking?.query.value == "dup")
    }

    @Test func aBookingInProgressSurvivesALock() throws {
        let h = Self.harness()
        h.keys(.char("n")); h.type("lef"); h.keys(.enter, .tab, .tab); h.type("Prise de sang à jeun")
        h.keys(.function(12))
        #expect(!h.text.contains("Prise de sang"))
        h.type("Tres-Bon-Motdepasse-42"); h.keys(.enter)
        #expect(h.text.contains("Prise de sang à jeun") && h.text.contains("LEFÈVRE"), "\(h.text)")
    }

    @Test func snapshots() throws {
        for (cols, rows) in [(80, 24), (120, 40)] {
            let suffix = "\(cols)x\(rows)"
            let h = Self.harness(columns: cols, rows: rows)
            #expect(Snapshot.verify(try #require(h.screen.current), named: "agenda-day-\(suffix)", styles: true) == nil)
            h.keys(.char("w"))
            #expect(Snapshot.verify(try #require(h.screen.current), named: "agenda-week-\(suffix)") == nil)
            h.keys(.char("w"), .char(" "), .char("s"))
            #expect(Snapshot.verify(try #require(h.screen.current), named: "agenda-waiting-\(suffix)") == nil)
            h.keys(.char("s"), .char("n"))
            h.type("dup")
            #expect(Snapshot.verify(try #require(h.screen.current), named: "agenda-book-patient-\(suffix)") == nil)
            h.keys(.enter)
            #expect(Snapshot.verify(try #require(h.screen.current), named: "agenda-book-details-\(suffix)") == nil)
        }
    }
}
