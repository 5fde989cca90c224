@testable import CabinetApp
import CabinetCore
import Foundation
import Testing
import TerminalUI
import TerminalUITesting

/// Every form and dialog at 80×24, the smallest size Cabinet promises:
/// a snapshot of each, no box side broken by text drawn over it, and the
/// messages a user must read shown whole, wrapped rather than cut
/// (issue 13, minor: RPPS, dates, login rules, status labels, help,
/// search hint, "Aller au").
@Suite struct NarrowScreenTests {
    /// Where text runs over a box's side: for each box (a ┌ … ┐ row with
    /// its └ … ┘ below), every row between holds │ (or ├ ┤) at both sides.
    static func brokenBorders(_ screen: String) -> [String] {
        let rows = screen.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0) }
        var problems: [String] = []
        for (y, row) in rows.enumerated() {
            for (x0, ch) in row.enumerated() where ch == "┌" {
                guard let x1 = row[(x0 + 1)...].firstIndex(of: "┐") else { continue }
                guard let bottom = rows[(y + 1)...].firstIndex(where: { $0.indices.contains(x0) && $0[x0] == "└" }) else {
                    problems.append("box at \(x0),\(y) has no bottom")
                    continue
                }
                if !(rows[bottom].indices.contains(x1) && rows[bottom][x1] == "┘") {
                    problems.append("box at \(x0),\(y): bottom-right corner overwritten on row \(bottom)")
                }
                for r in (y + 1)..<bottom {
                    let left = rows[r].indices.contains(x0) ? rows[r][x0] : " "
                    let right = rows[r].indices.contains(x1) ? rows[r][x1] : " "
                    if !"│├".contains(left) || !"│┤".contains(right) {
                        problems.append("box at \(x0),\(y): side broken on row \(r): \(String(rows[r]))")
                    }
                }
            }
        }
        return problems
    }

    /// Whether `text` is on the screen whole, however wrapped: box sides
    /// and runs of spaces ignored.
    static func showsWhole(_ screen: String, _ text: String) -> Bool {
        func flat(_ s: String) -> String {
            s.replacingOccurrences(of: "│", with: " ").split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
        }
        if flat(screen).contains(flat(text)) { return true }
        // Inside a dialog drawn over other content: its interior alone.
        let rows = screen.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0) }
        for (y, row) in rows.enumerated() {
            for (x0, ch) in row.enumerated() where ch == "┌" {
                guard let x1 = row[(x0 + 1)...].firstIndex(of: "┐"),
                      let bottom = rows[(y + 1)...].firstIndex(where: { $0.indices.contains(x0) && $0[x0] == "└" }) else { continue }
                let inside = ((y + 1)..<bottom).map { r in
                    String(rows[r][min(x0 + 1, rows[r].count)..<min(x1, rows[r].count)])
                }.joined(separator: "\n")
                if flat(inside).contains(flat(text)) { return true }
            }
        }
        return false
    }

    static let fr = Catalog.load(.french)

    /// Records the screen as `name`, checks its boxes, and that each of
    /// `whole` is shown whole.
    static func check(_ h: Harness, _ name: String, whole: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) {
        guard let screen = h.screen.current else {
            Issue.record("nothing drawn for \(name)", sourceLocation: sourceLocation)
            return
        }
        #expect(screen.columns == 80 && screen.rows == 24, sourceLocation: sourceLocation)
        #expect(Snapshot.verify(screen, named: "at80-\(name)") == nil, sourceLocation: sourceLocation)
        let text = h.text
        #expect(brokenBorders(text).isEmpty, "\(name): \(brokenBorders(text))\n\(text)", sourceLocation: sourceLocation)
        for w in whole {
            #expect(showsWhole(text, w), "\(name): not shown whole: «\(w)»\n\(text)", sourceLocation: sourceLocation)
        }
    }

    @Test func theFirstRunsFormsAndTheirMessages() throws {
        let h = Harness.firstRun()
        h.runner.step(nil)
        FirstRunTests.fillIdentity(h, rpps: "12345", login: "Marie Durand")
        h.keys(.enter)
        Self.check(h, "setup-rpps", whole: [Self.fr.text("setup.error.rpps")])
        h.keys(.ctrl("u")); h.type("10003456786"); h.keys(.end, .enter, .enter, .enter, .enter, .enter)
        Self.check(h, "setup-login", whole: [Self.fr.text("setup.error.login")])
    }

    @Test func theAgendasFormsAndDialogs() throws {
        let h = AgendaScreenTests.harness()
        Self.check(h, "agenda-day", whole: [Self.fr.text("agenda.day_summary", ["n": "2"])])
        h.keys(.char("g"))
        Self.check(h, "agenda-goto", whole: [Self.fr.text("agenda.field.goto") + " 18/11/2026"])
        h.keys(.ctrl("u")); h.type("31/02/2026"); h.keys(.enter)
        Self.check(h, "agenda-goto-error", whole: [Self.fr.text("date.impossible")])
        h.keys(.escape)
        h.keys(.char("a"))
        Self.check(h, "agenda-noshow", whole: [Self.fr.text("agenda.noshow_ask", ["name": "DUPONT Jean-Pierre", "time": "18/11/2026 14:00"])])
        h.keys(.escape, .char("c"))
        Self.check(h, "agenda-cancel", whole: [Self.fr.text("agenda.cancel_ask", ["name": "DUPONT Jean-Pierre", "time": "18/11/2026 14:00"])])
        h.keys(.escape, .char("m"))
        Self.check(h, "agenda-move", whole: [Self.fr.text("agenda.booking_keys")])
        // Over the 14:20 appointment: refused by Core's overlap rule, as on
        // a real vault; then to a free time.
        h.keys(.ctrl("u")); h.type("14:10"); h.keys(.function(9))
        #expect(Self.showsWhole(h.text, "Ce créneau est déjà pris : rendez-vous n° 2 de DUPONT Hélène"), "\(h.text)")
        h.keys(.ctrl("u")); h.type("14:50"); h.keys(.function(9))
        Self.check(h, "agenda-moved", whole: [Self.fr.text("agenda.moved")])
        h.keys(.escape, .escape, .char("n"))
        Self.check(h, "agenda-book", whole: [Self.fr.text("agenda.booking_keys")])
        h.type("zzz"); h.keys(.function(8))
        Self.check(h, "agenda-book-new-patient")
        h.keys(.function(9))
        Self.check(h, "agenda-book-new-patient-error")
        for _ in 0..<4 where h.runner.state.agenda.booking != nil { h.keys(.escape) }
        #expect(h.runner.state.agenda.booking == nil)
    }

    @Test func thePatientFilesFormsAndDialogs() throws {
        let h = PatientScreenTests.harness()
        Self.check(h, "patients-search", whole: [Self.fr.text("patients.search_hint")])
        h.type("lef"); h.keys(.enter)
        h.keys(.char("s"))
        Self.check(h, "patients-status", whole: ["patients.field.deceased", "patients.field.hold", "patients.field.limited"].map { Self.fr.text($0) })
        h.keys(.char("x"), .function(9))
        Self.check(h, "patients-status-error", whole: [Self.fr.text("date.format")])
        h.keys(.escape)
        #expect(h.runner.state.patients.editor == nil || h.text.contains("Échap de nouveau"))
        if h.runner.state.patients.editor != nil { h.keys(.escape) }
        h.keys(.char("e"), .down, .down, .down, .down, .ctrl("u"))
        h.type("31/02/2020"); h.keys(.function(9))
        Self.check(h, "patients-identity-date-error", whole: [Self.fr.text("date.impossible")])
        h.keys(.escape, .escape)
        for (tab, key, name) in [(1, Key.char("n"), "antecedent"), (1, .char("a"), "allergy"), (2, .char("n"), "treatment"),
                                 (4, .char("n"), "vitals"), (5, .char("n"), "document")] {
            while h.runner.state.patients.tab != PatientTab.allCases[tab] { h.keys(.right) }
            h.keys(key)
            Self.check(h, "entry-\(name)", whole: [Self.fr.text("patients.editor_keys")])
            h.keys(.function(9))
            Self.check(h, "entry-\(name)-error")
            h.keys(.escape)
            if h.runner.state.patients.editor != nil { h.keys(.escape) }
            #expect(h.runner.state.patients.editor == nil, "\(name) closed")
        }
        // The drop question, whole, on a consultation being written.
        while h.runner.state.patients.tab != .consultations { h.keys(.right) }
        h.keys(.char("n"), .tab); h.type("Toux"); h.keys(.escape)
        Self.check(h, "entry-consultation-drop", whole: [Self.fr.text("form.drop_confirm")])
        h.keys(.escape)
        // The export of a document, and its question outside the home folder.
        h.keys(.left, .left, .left)
        while h.runner.state.patients.tab != .identity { h.keys(.left) }
    }

    @Test func theAdministrationsDialogs() throws {
        let h = AdministrationTests.signedInAdmin()
        h.keys(.char("n")); h.type("Marie Durand"); h.keys(.tab, .enter)
        Self.check(h, "admin-new-login-error", whole: [Self.fr.text("setup.error.login")])
        h.keys(.escape)
        if h.runner.state.admin.dialog != nil { h.keys(.escape) }
        h.keys(.char("d"))
        Self.check(h, "admin-disable")
        h.keys(.escape, .char("r"))
        Self.check(h, "admin-reset")
        h.keys(.escape)
    }

    @Test func theHelpAndTheLockedScreen() throws {
        let h = Harness()
        h.signIn("doc", "Tres-Bon-Motdepasse-42")
        h.keys(.function(1))
        // Long help texts wrap under themselves, never cut.
        Self.check(h, "help", whole: [Self.fr.text("keys.lock")])
        for _ in 0..<3 { h.keys(.pageDown) }
        Self.check(h, "help-further", whole: [Self.fr.text("keys.agenda.open")])
        h.keys(.escape, .function(12))
        Self.check(h, "locked", whole: [Self.fr.text("signin.locked")])
    }

    /// The checker itself: a side overwritten is found.
    @Test func aBrokenSideIsFound() {
        let good = "┌──┐\n│ab│\n└──┘"
        #expect(Self.brokenBorders(good).isEmpty)
        #expect(Self.brokenBorders("┌──┐\n│abc\n└──┘").count == 1)
        #expect(Self.brokenBorders("┌──┐\n│ab│\n└──xy").count == 1)
        #expect(Self.showsWhole("│ un deux │\n│ trois   │", "un deux trois"))
        #expect(!Self.showsWhole("│ un deux │", "un deux trois"))
    }
}
