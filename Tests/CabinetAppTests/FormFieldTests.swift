@testable import CabinetApp
import CabinetCore
import Foundation
import Testing
import TerminalUI
import TerminalUITesting

/// Single-line fields fed as a terminal feeds them: a decomposed accent (NFD:
/// a letter, then its combining mark as a key of its own) typed or pasted.
@Suite struct FormFieldTests {
    /// "hélène" decomposed: e + U+0301, e + U+0300.
    static let decomposed = "he\u{301}le\u{300}ne"

    /// One key per Unicode scalar, as the terminal delivers them.
    static func scalarKeys(_ text: String) -> [Key] {
        text.unicodeScalars.map { .char(Character($0)) }
    }

    @Test func decomposedKeysComposeAndTheCursorStaysInside() {
        var f = FormField("name", label: "patient.field.birth_name")
        for k in Self.scalarKeys(Self.decomposed) { _ = f.edit(k) }
        #expect(f.value == "hélène")
        #expect(f.value.unicodeScalars.count == 6, "stored composed (NFC)")
        #expect(f.cursor == 6 && f.cursor <= f.value.count)
        _ = f.edit(.backspace)
        #expect(f.value == "hélèn")
        _ = f.edit(.left); _ = f.edit(.left)
        for k in Self.scalarKeys("a\u{301}") { _ = f.edit(k) }
        #expect(f.value == "héláèn" && f.cursor == 4)
        // A mark typed first, alone, is one character of its own.
        var g = FormField("x", label: "patient.field.birth_name")
        _ = g.edit(.char(Character("\u{301}")))
        #expect(g.cursor == g.value.count)
    }

    @Test func aDecomposedPasteIsComposedAndCutByCharacters() {
        var f = FormField("name", label: "patient.field.birth_name", maxLength: 5)
        let whole = f.insert(Self.decomposed)
        #expect(!whole, "six characters do not fit in five")
        #expect(f.value == "hélèn" && f.cursor == 5)
        var g = FormField("name", label: "patient.field.birth_name", maxLength: 6)
        let fits = g.insert(Self.decomposed)
        #expect(fits)
        #expect(g.value == "hélène")
    }

    /// A secret field holds bytes (`Passphrase`), composed as typed, and a
    /// draft never carries them.
    @Test func aSecretFieldIsBytesAndNeverInADraft() throws {
        var form = Form([FormField("new", label: "change.new", maxLength: 256, secret: true)])
        for k in Self.scalarKeys("Secret-Fictif-Été".decomposedStringWithCanonicalMapping) { _ = form.edit(k) }
        #expect(form.secret("new") == Passphrase("Secret-Fictif-Été"))
        #expect(form["new"] == "" && form.hasInput)
        _ = form.edit(.backspace)
        #expect(form.secret("new") == Passphrase("Secret-Fictif-Ét"))
        let json = String(decoding: try JSONEncoder().encode(form), as: UTF8.self)
        #expect(!json.contains("Fictif") && !json.contains("Secret"))
        let back = try JSONDecoder().decode(Form.self, from: Data(json.utf8))
        #expect(back.secret("new").isEmpty)
        form.wipeSecrets()
        #expect(form.secret("new").isEmpty)
    }

    @Test func drawingNeverTrapsWhateverTheCursor() {
        var form = Form([FormField("name", label: "patient.field.birth_name")])
        for k in Self.scalarKeys(Self.decomposed + Self.decomposed) { _ = form.edit(k) }
        var canvas = Canvas(columns: 40, rows: 3)
        drawForm(form, in: Rect(x: 0, y: 0, width: 40, height: 3), labelWidth: 12, Catalog.load(.french), &canvas)
        #expect(canvas.lines().joined().contains("hélènehélène"))
        // A draft written by a version that let the cursor run past the end.
        let json = #"{"fields":[{"id":"name","label":"patient.field.birth_name","value":"hélène","cursor":9,"maxLength":80,"secret":false,"required":false}],"focus":0,"messageArgs":{},"messageIsError":false}"#
        let restored = try? JSONDecoder().decode(Form.self, from: Data(json.utf8))
        #expect(restored != nil)
        if let restored {
            drawForm(restored, in: Rect(x: 0, y: 0, width: 40, height: 3), labelWidth: 12, Catalog.load(.french), &canvas)
            var edited = restored
            _ = edited.edit(.backspace)
            #expect(edited["name"] == "hélèn")
        }
    }

    /// The whole application: decomposed text typed into the patient search
    /// and into the booking form's patient search and reason.
    @Test func theAppTakesDecomposedTextInEverySingleLineField() throws {
        let h = AgendaScreenTests.harness("accueil", "Accueil-Fictif-Secret-17")
        h.keys(.char("n"))
        for k in Self.scalarKeys("Le\u{301}f") { h.keys(k) }
        #expect(h.text.contains("LEFÈVRE Hélène Marie"), "a decomposed search finds the accented name:\n\(h.text)")
        h.keys(.enter)
        h.keys(.tab, .tab, .tab)
        for k in Self.scalarKeys("Pre\u{301}parer le vaccin") { h.keys(k) }
        h.keys(.function(3))
        for k in Self.scalarKeys(Self.decomposed) { h.keys(k) }
        #expect(h.text.contains("hélène"), "\(h.text)")
    }
}
