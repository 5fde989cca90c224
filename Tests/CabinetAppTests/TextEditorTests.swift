@testable import CabinetApp
import Foundation
import Testing
import TerminalUI

@Suite struct TextEditorTests {
    private func type(_ s: String, into editor: inout TextEditor) {
        for c in s { check(editor.edit(c == "\n" ? .enter : .char(c))) }
    }

    /// `#expect` on a mutating call (the macro cannot take one).
    private func check(_ used: Bool, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(used, sourceLocation: sourceLocation)
    }

    private func rowTexts(_ editor: TextEditor, width: Int) -> [String] {
        editor.layout(width: width).map(\.text)
    }

    @Test func typingWithAccents() {
        var e = TextEditor(maxLength: 100)
        #expect(e.isEmpty)
        type("Élève ", into: &e)
        // An accent typed as a combining mark joins the letter before it.
        check(e.edit(.char("e")))
        check(e.edit(.char("\u{301}")))
        type("mue", into: &e)
        #expect(e.text == "Élève e\u{301}mue")
        #expect(e.text.count == 10)
        #expect(e.cursor == .init(line: 0, column: 10))
        check(e.edit(.left) && e.edit(.left) && e.edit(.left))
        type("x", into: &e)
        #expect(e.text == "Élève éxmue")
        #expect(!e.isEmpty)
    }

    @Test func typingStopsAtMaxLength() {
        var e = TextEditor(maxLength: 5)
        type("abcde", into: &e)
        #expect(e.notice == nil)
        check(e.edit(.char("f")))
        #expect(e.text == "abcde")
        #expect(e.notice == "form.too_long")
        #expect(e.noticeArgs == ["max": "5"])
        check(e.edit(.enter))
        #expect(e.text == "abcde")
        _ = e.edit(.backspace)
        #expect(e.notice == nil)
    }

    @Test func wrapsAtTwentyColumnsWithAccentsAndWideCharacters() {
        let e = TextEditor(text: "Évolution très favorable après 漢字漢字 traitement anticoagulant-prolongé", maxLength: 400)
        let rows = e.layout(width: 20)
        #expect(rows.map(\.text) == [
            "Évolution très ",
            "favorable après ",
            "漢字漢字 traitement ",
            "anticoagulant-prolon",
            "gé",
        ])
        for row in rows {
            // Trailing spaces may hang past the width; the text never does.
            let trimmed = String(row.text.reversed().drop(while: { $0 == " " }).reversed())
            #expect(DisplayWidth.of(trimmed) <= 20)
        }
        #expect(rows.map(\.text).joined() == e.text)
        #expect(rows.last?.isLast == true)
        // The cursor (at the end) is on the last row, after "gé".
        #expect(e.cursorPosition(in: rows) == (4, 2) as (Int, Int))
    }

    @Test func wideCharacterNeverSplitAcrossRows() {
        let e = TextEditor(text: "abc漢字漢字漢字", maxLength: 100)
        #expect(rowTexts(e, width: 6) == ["abc漢", "字漢字", "漢字"])
        // A single character wider than the row still makes progress.
        #expect(rowTexts(TextEditor(text: "漢字", maxLength: 10), width: 1) == ["漢", "字"])
        #expect(rowTexts(TextEditor(text: "a\n\nb", maxLength: 10), width: 5) == ["a", "", "b"])
        // A space that does not fit hangs at the row's end.
        var hanging = TextEditor(text: "abcde fghij", maxLength: 20)
        #expect(rowTexts(hanging, width: 5) == ["abcde ", "fghij"])
        hanging.width = 5
        check(hanging.edit(.up))
        check(hanging.edit(.end))
        #expect(hanging.cursorPosition(width: 5) == (0, 5) as (Int, Int))
    }

    @Test func newlineAndBackspaceJoinLines() {
        var e = TextEditor(text: "Toux sèche", maxLength: 100)
        for _ in 0..<6 { _ = e.edit(.left) }
        check(e.edit(.enter))
        #expect(e.lines == ["Toux", " sèche"])
        #expect(e.cursor == .init(line: 1, column: 0))
        check(e.edit(.backspace))
        #expect(e.text == "Toux sèche")
        #expect(e.cursor == .init(line: 0, column: 4))
        _ = e.edit(.enter)
        _ = e.edit(.left)
        check(e.edit(.delete))
        #expect(e.text == "Toux sèche")
        #expect(e.cursor == .init(line: 0, column: 4))
        // ← and → cross line ends.
        _ = e.edit(.enter)
        _ = e.edit(.left)
        #expect(e.cursor == .init(line: 0, column: 4))
        _ = e.edit(.right)
        #expect(e.cursor == .init(line: 1, column: 0))
        // Ctrl-K deletes to the end of the line, then joins the next one.
        _ = e.edit(.up)
        _ = e.edit(.home)
        _ = e.edit(.right)
        check(e.edit(.ctrl("k")))
        #expect(e.lines == ["T", " sèche"])
        check(e.edit(.ctrl("k")))
        #expect(e.lines == ["T sèche"])
    }

    @Test func upAndDownFollowWrappedRowsKeepingTheColumn() {
        // Rows at 20 columns: "Patient âgé de 67 " / "ans, sans " ... see below.
        var e = TextEditor(text: "Patient âgé de 67 ans, à jeun.\nOK\nFièvre modérée depuis trois jours", maxLength: 400)
        e.width = 20
        #expect(rowTexts(e, width: 20) == ["Patient âgé de 67 ", "ans, à jeun.", "OK", "Fièvre modérée ", "depuis trois jours"])
        // From the end (row 4, column 18) up to row 3, column 15 (its end).
        #expect(e.cursorPosition(width: 20) == (4, 18) as (Int, Int))
        check(e.edit(.up))
        #expect(e.cursor == .init(line: 2, column: 14))  // before the hanging space: the row's last place
        check(e.edit(.up))
        #expect(e.cursor == .init(line: 1, column: 2))  // "OK" is short: its end
        check(e.edit(.up))
        // Back to column 18 on a row long enough: the goal column was kept.
        #expect(e.cursorPosition(width: 20) == (1, 12) as (Int, Int))
        check(e.edit(.up))
        #expect(e.cursorPosition(width: 20) == (0, 17) as (Int, Int))
        // ↑ on the first row is left to the form around the editor.
        check(!e.edit(.up))
        check(e.edit(.down) && e.edit(.down) && e.edit(.down) && e.edit(.down))
        #expect(e.cursor == .init(line: 2, column: 33))
        check(!e.edit(.down))
        // Home and End work on the visual row.
        _ = e.edit(.up)
        _ = e.edit(.home)
        #expect(e.cursor == .init(line: 2, column: 0))
        _ = e.edit(.end)
        #expect(e.cursor == .init(line: 2, column: 14))
        // PgUp goes up ten rows at most, then to the very start.
        _ = e.edit(.pageUp)
        #expect(e.cursorPosition(width: 20).row == 0)
        _ = e.edit(.pageUp)
        #expect(e.cursor == .init(line: 0, column: 0))
        _ = e.edit(.pageDown)
        #expect(e.cursorPosition(width: 20).row == 4)
    }

    @Test func downKeepsColumnAcrossAWideCharacter() {
        var e = TextEditor(text: "abcdef\n漢字漢字", maxLength: 100)
        e.width = 20
        _ = e.edit(.up)
        _ = e.edit(.end)
        _ = e.edit(.left)
        _ = e.edit(.left)
        _ = e.edit(.left)  // column 3: in the middle of the second 字
        check(e.edit(.down))
        #expect(e.cursor == .init(line: 1, column: 1))
        #expect(e.cursorPosition(width: 20) == (1, 2) as (Int, Int))
    }

    @Test func undoesATypedRunAsOneStep() {
        var e = TextEditor(text: "Examen", maxLength: 100)
        type(" normal", into: &e)
        check(e.edit(.ctrl("z")))
        #expect(e.text == "Examen")
        #expect(e.cursor == .init(line: 0, column: 6))
        // A cursor move ends the run: only the second run is undone.
        type(" très", into: &e)
        _ = e.edit(.left)
        _ = e.edit(.right)
        type(" bon", into: &e)
        _ = e.edit(.ctrl("z"))
        #expect(e.text == "Examen très")
        // One level: a second Ctrl-Z changes nothing.
        check(e.edit(.ctrl("z")))
        #expect(e.text == "Examen très")
        // A newline is its own step.
        type("\nx", into: &e)
        _ = e.edit(.ctrl("z"))
        #expect(e.lines == ["Examen très", ""])
    }

    @Test func undoesAPaste() {
        var e = TextEditor(text: "Avant ", maxLength: 100)
        e.paste("collé\r\nsur deux lignes")
        #expect(e.lines == ["Avant collé", "sur deux lignes"])
        #expect(e.cursor == .init(line: 1, column: 15))
        _ = e.edit(.ctrl("z"))
        #expect(e.text == "Avant ")
        #expect(e.cursor == .init(line: 0, column: 6))
    }

    @Test func longPasteIsTruncatedWithANotice() {
        var e = TextEditor(text: "Début\n", maxLength: 4000)
        var long = ""
        for i in 0..<2000 { long += i % 10 == 0 ? "é\n\u{1b}[31m" : "abcdefghé " }
        long = String(long.prefix(100_000))
        e.paste(String(repeating: "Ligne de texte assez longue, ", count: 3448) + long)
        #expect(e.count == 4000)
        #expect(e.notice == "text.truncated")
        #expect(e.noticeArgs == ["max": "4000"])
        #expect(e.text.hasPrefix("Début\nLigne de texte"))
        // Full: typing is refused, and says so.
        check(e.edit(.char("x")))
        #expect(e.count == 4000)
        #expect(e.notice == "form.too_long")
        // Layout of a full field stays whole.
        #expect(e.layout(width: 60).map(\.text).joined() == e.lines.joined())
    }

    @Test func hundredThousandCharacterPaste() {
        var e = TextEditor(maxLength: 4000)
        e.paste(String(repeating: "x", count: 100_000))
        #expect(e.text.count == 4000)
        #expect(e.notice == "text.truncated")
        #expect(e.cursor == .init(line: 0, column: 4000))
    }

    @Test func pasteStripsEscapeSequences() {
        var e = TextEditor(maxLength: 200)
        e.paste("Tension \u{1b}[1;31m140/90\u{1b}[0m\u{1b}]0;titre\u{07} ok\u{7}\r\nsuite\u{202E}")
        #expect(e.lines == ["Tension 140/90 ok", "suite"])
        #expect(e.notice == "text.controls_removed")
        #expect(!e.text.contains("\u{1b}"))
    }

    @Test func codableRoundTrip() throws {
        var e = TextEditor(text: "Conclusion :\nbénigne 漢", maxLength: 300)
        e.width = 24
        type(" ok", into: &e)
        _ = e.edit(.up)
        e.paste("\u{1b}[2J")
        let data = try JSONEncoder().encode(e)
        var back = try JSONDecoder().decode(TextEditor.self, from: data)
        #expect(back == e)
        #expect(back.text == "Conclusion :\nbénigne 漢 ok")
        // The undo step travels with the draft.
        _ = back.edit(.ctrl("z"))
        _ = e.edit(.ctrl("z"))
        #expect(back == e)
    }

    @Test func decodingKeepsTheCursorInsideTheText() throws {
        let json = #"{"lines":["ab"],"cursor":{"line":7,"column":99},"maxLength":10}"#
        var e = try JSONDecoder().decode(TextEditor.self, from: Data(json.utf8))
        #expect(e.cursor == .init(line: 0, column: 2))
        type("c", into: &e)
        #expect(e.text == "abc")
    }

    @Test func drawsTextAndCursor() {
        var e = TextEditor(text: "Fièvre à 39 °C depuis deux jours", maxLength: 200)
        for _ in 0..<5 { _ = e.edit(.left) }  // on the "j" of "jours"
        var canvas = Canvas(columns: 30, rows: 6)
        drawEditor(e, in: Rect(x: 2, y: 1, width: 21, height: 4), focused: true, &canvas)
        // Wrapped at 20 columns: the rightmost column is the markers'.
        #expect(canvas.line(1) == "  Fièvre à 39 °C              ")
        #expect(canvas.line(2) == "  depuis deux jours           ")
        #expect(canvas.styleLine(1) == "  IIIIIIIIIIIIIIIIIIIII       ")
        #expect(canvas.styleLine(3) == "  IIIIIIIIIIIIIIIIIIIII       ")
        let cursor = canvas[14, 2]
        #expect(cursor.text == "j")
        #expect(cursor.style.reverse)
        #expect(cursor.style.role == .input)
        #expect(!canvas[13, 2].style.reverse)
        // Unfocused: no cursor.
        var plain = Canvas(columns: 30, rows: 6)
        drawEditor(e, in: Rect(x: 2, y: 1, width: 21, height: 4), focused: false, &plain)
        #expect(!plain[14, 2].style.reverse)
        // At the end of the text the cursor is a reversed space after it.
        _ = e.edit(.pageDown)
        drawEditor(e, in: Rect(x: 2, y: 1, width: 21, height: 4), focused: true, &canvas)
        #expect(canvas[19, 2].text == " ")
        #expect(canvas[19, 2].style.reverse)
        #expect(!canvas[14, 2].style.reverse)
    }

    @Test func cursorStaysVisibleWhenScrolling() {
        var e = TextEditor(maxLength: 400)
        let rect = Rect(x: 0, y: 0, width: 11, height: 3)
        e.width = TextEditor.wrapWidth(columns: rect.width)
        for i in 1...8 {
            type("ligne \(i)", into: &e)
            if i < 8 { _ = e.edit(.enter) }
        }
        func draw() -> Canvas {
            var canvas = Canvas(columns: 11, rows: 3)
            drawEditor(e, in: rect, focused: true, &canvas)
            return canvas
        }
        var canvas = draw()
        #expect(canvas.lines() == ["ligne 6   ▲", "ligne 7    ", "ligne 8    "])
        #expect(canvas[7, 2].style.reverse)
        for _ in 0..<4 { _ = e.edit(.up) }
        canvas = draw()
        // The first row shown follows from the cursor: it stays on the last one.
        #expect(canvas.lines() == ["ligne 2   ▲", "ligne 3    ", "ligne 4   ▼"])
        #expect(canvas[7, 2].style.reverse)
        _ = e.edit(.pageUp)
        canvas = draw()
        #expect(canvas.lines() == ["ligne 1    ", "ligne 2    ", "ligne 3   ▼"])
        #expect(canvas[7, 0].style.reverse)
        // A long line wrapped in the small rect: the cursor row is always shown.
        var long = TextEditor(text: String(repeating: "mot ", count: 30), maxLength: 400)
        long.width = TextEditor.wrapWidth(columns: rect.width)
        for _ in 0..<60 {
            _ = long.edit(.left)
            var c = Canvas(columns: 11, rows: 3)
            drawEditor(long, in: rect, focused: true, &c)
            let reversed = (0..<3).flatMap { y in (0..<11).filter { c[$0, y].style.reverse } }
            #expect(reversed.count == 1)
        }
    }
}
