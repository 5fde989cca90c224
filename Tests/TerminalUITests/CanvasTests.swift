import Testing
import TerminalUI

@Suite("Canvas")
struct CanvasTests {
    @Test func newCanvasIsBlank() {
        let canvas = Canvas(columns: 4, rows: 2)
        #expect(canvas.lines() == ["    ", "    "])
        #expect(canvas[0, 0] == .blank)
        #expect(Canvas(columns: -1, rows: 3).lines() == ["", "", ""])
    }

    @Test func putClipsAtTheRightEdge() {
        var canvas = Canvas(columns: 10, rows: 2)
        #expect(canvas.put("Bonjour tout le monde", x: 5, y: 0) == 5)
        #expect(canvas.line(0) == "     Bonjo")
        #expect(canvas.line(1) == "          ")
        #expect(canvas.put("x", x: 10, y: 1) == 0)
        #expect(canvas.put("x", x: 0, y: 2) == 0)
        #expect(canvas.put("x", x: 0, y: -1) == 0)
    }

    @Test func putClipsAtMaxWidth() {
        var canvas = Canvas(columns: 10, rows: 1)
        canvas.put("··········", x: 0, y: 0)
        #expect(canvas.put("Bonjour", x: 1, y: 0, maxWidth: 3) == 3)
        #expect(canvas.line(0) == "·Bon······")
        #expect(canvas.put("Bonjour", x: 1, y: 0, maxWidth: 0) == 0)
        #expect(canvas.put("Bonjour", x: 1, y: 0, maxWidth: -2) == 0)
        #expect(canvas.line(0) == "·Bon······")
    }

    @Test func putReturnsColumnsForLayout() {
        var canvas = Canvas(columns: 20, rows: 1)
        var x = 0
        x += canvas.put("F1", x: x, y: 0, style: Style(.keyHint))
        x += canvas.put("Aide ", x: x, y: 0, style: Style(.keyHintLabel))
        x += canvas.put("漢", x: x, y: 0)
        #expect(x == 9)
        #expect(canvas.line(0) == "F1Aide 漢           ")
        #expect(canvas.styleLine(0) == "KKkkkkk             ")
    }

    @Test func wideCharactersTakeTwoCells() {
        var canvas = Canvas(columns: 6, rows: 1)
        #expect(canvas.put("漢字", x: 0, y: 0, style: Style(.clinical)) == 4)
        #expect(canvas[0, 0] == Cell(text: "漢", width: 2, style: Style(.clinical)))
        #expect(canvas[1, 0] == Cell(text: "", width: 0, style: Style(.clinical)))
        #expect(canvas[1, 0].isContinuation)
        #expect(canvas.line(0) == "漢字  ")
        #expect(DisplayWidth.of(canvas.line(0)) == canvas.columns)
        #expect(canvas.styleLine(0) == "CCCC  ")
    }

    @Test func wideCharacterAtTheLastColumnBecomesASpace() {
        var canvas = Canvas(columns: 4, rows: 1)
        #expect(canvas.put("abc漢", x: 0, y: 0, style: Style(.title)) == 4)
        #expect(canvas.line(0) == "abc ")
        #expect(canvas[3, 0] == Cell(text: " ", width: 1, style: Style(.title)))
        // Same at a maxWidth limit, which leaves what lies beyond alone.
        var limited = Canvas(columns: 6, rows: 1)
        limited.put("######", x: 0, y: 0)
        #expect(limited.put("a漢b", x: 0, y: 0, maxWidth: 2) == 2)
        #expect(limited.line(0) == "a ####")
    }

    @Test func putClipsAtTheLeftEdge() {
        var canvas = Canvas(columns: 4, rows: 1)
        #expect(canvas.put("漢ab", x: -1, y: 0) == 3)
        #expect(canvas.line(0) == " ab ")
        #expect(canvas.put("xyz", x: -5, y: 0, maxWidth: 2) == 0)
        #expect(canvas.line(0) == " ab ")
    }

    @Test func putKeepsClustersAndDropsZeroWidth() {
        var canvas = Canvas(columns: 5, rows: 1)
        #expect(canvas.put("e\u{301}t\u{E9}", x: 0, y: 0) == 3)
        #expect(canvas[0, 0].text == "e\u{301}")
        #expect(canvas.put("a\tb", x: 3, y: 0) == 2)
        #expect(canvas.line(0) == "e\u{301}t\u{E9}ab")
    }

    @Test func overwritingHalfAWideCharacterBlanksTheOtherHalf() {
        var canvas = Canvas(columns: 6, rows: 1)
        canvas.put("漢字", x: 0, y: 0, style: Style(.clinical))
        canvas.put("x", x: 1, y: 0)  // right half of 漢
        #expect(canvas.line(0) == " x字  ")
        #expect(canvas[0, 0] == Cell(text: " ", width: 1, style: Style(.clinical)))
        canvas.put("y", x: 2, y: 0)  // left half of 字
        #expect(canvas.line(0) == " xy   ")
        #expect(canvas[3, 0] == Cell(text: " ", width: 1, style: Style(.clinical)))

        var other = Canvas(columns: 6, rows: 1)
        other.put("ab漢", x: 0, y: 0)
        other.put("字", x: 3, y: 0)  // a wide character over the right half of another
        #expect(other.line(0) == "ab 字 ")
        #expect(DisplayWidth.of(other.line(0)) == 6)
    }

    @Test func subscriptKeepsWidePairsWhole() {
        var canvas = Canvas(columns: 3, rows: 1)
        let before = canvas
        canvas[5, 0] = Cell("x")
        canvas[0, -1] = Cell("x")
        #expect(canvas == before)
        #expect(canvas[9, 9] == .blank)
        canvas[0, 0] = Cell("漢")
        #expect(canvas.line(0) == "漢 ")
        #expect(canvas[x: 1, y: 0].isContinuation)
        canvas[x: 2, y: 0] = Cell("字")  // no room for its right half
        #expect(canvas.line(0) == "漢 ")
        canvas[1, 0] = Cell(text: "", width: 0)  // a lone continuation
        #expect(canvas.line(0) == "   ")
    }

    @Test func fillClipsToTheCanvas() {
        var canvas = Canvas(columns: 5, rows: 3)
        canvas.fill(Rect(x: 1, y: 1, width: 10, height: 1), style: Style(.selection), character: "-")
        #expect(canvas.lines() == ["     ", " ----", "     "])
        #expect(canvas.styleLine(1) == " SSSS")
        canvas.fill(Rect(x: 0, y: 0, width: 5, height: 1), style: .normal, character: "漢")
        #expect(canvas.line(0) == "漢漢 ")
        canvas.fill(Rect(x: -3, y: 2, width: 5, height: 9), style: Style(.statusBar))
        #expect(canvas.styleLine(2) == "BB   ")
    }

    @Test func boxDrawsSingleLines() {
        var canvas = Canvas(columns: 8, rows: 5)
        canvas.put("in", x: 2, y: 2)
        canvas.box(Rect(x: 1, y: 1, width: 6, height: 4), style: Style(.border))
        #expect(canvas.lines() == [
            "        ",
            " ┌────┐ ",
            " │in  │ ",
            " │    │ ",
            " └────┘ ",
        ])
        #expect(canvas.styleLine(1) == " bbbbbb ")
        #expect(canvas.styleLine(2) == " b    b ")
    }

    @Test func boxIsClippedAndNeedsRoomForCorners() {
        var canvas = Canvas(columns: 6, rows: 2)
        canvas.box(Rect(x: 3, y: 0, width: 6, height: 3), style: Style(.border))
        #expect(canvas.lines() == ["   ┌──", "   │  "])
        var tiny = Canvas(columns: 3, rows: 3)
        tiny.box(Rect(x: 0, y: 0, width: 1, height: 3), style: .normal)
        #expect(tiny == Canvas(columns: 3, rows: 3))
        tiny.box(Rect(x: 0, y: 0, width: 2, height: 2), style: .normal)
        #expect(tiny.lines() == ["┌┐ ", "└┘ ", "   "])
    }

    @Test func styleLineNamesEveryRole() {
        var canvas = Canvas(columns: StyleRole.allCases.count, rows: 1)
        for (x, role) in StyleRole.allCases.enumerated() {
            canvas.put("x", x: x, y: 0, style: Style(role, bold: true))
        }
        #expect(canvas.styleLine(0) == " TSWECDBKkMImsb")
        #expect(Set(StyleRole.allCases.map(\.snapshotLetter)).count == StyleRole.allCases.count)
        for role in StyleRole.allCases {
            #expect(StyleRole(snapshotLetter: role.snapshotLetter) == role)
        }
        #expect(StyleRole(snapshotLetter: "?") == nil)
        #expect(canvas.styleLine(1) == "")
        #expect(canvas.line(-1) == "")
    }

    @Test func diffOfIdenticalCanvasesIsEmpty() {
        var canvas = Canvas(columns: 10, rows: 3)
        canvas.put("Bonjour 漢", x: 0, y: 1)
        #expect(canvas.diff(from: canvas).isEmpty)
    }

    @Test func diffFindsRunsOfChangedCells() {
        var old = Canvas(columns: 10, rows: 3)
        old.put("Bonjour", x: 0, y: 1)
        var new = old
        new.put("J", x: 3, y: 1)
        let one = new.diff(from: old)
        #expect(one.count == 1)
        #expect(one.first?.y == 1)
        #expect(one.first?.x == 3)
        #expect(one.first?.cells == [Cell("J")])

        new.put("xy", x: 7, y: 1)
        new.put("!", x: 9, y: 2, style: Style(.error))
        let runs = new.diff(from: old)
        #expect(runs.map(\.y) == [1, 1, 2])
        #expect(runs.map(\.x) == [3, 7, 9])
        #expect(runs.map(\.cells.count) == [1, 2, 1])

        // A change of style alone is a change.
        var restyled = old
        restyled.put("B", x: 0, y: 1, style: Style(.title))
        #expect(restyled.diff(from: old).map(\.x) == [0])
    }

    @Test func diffKeepsWideCharactersWhole() {
        var old = Canvas(columns: 6, rows: 1)
        old.put("ab漢", x: 0, y: 0)
        var new = old
        new.put("字", x: 2, y: 0)
        let runs = new.diff(from: old)
        #expect(runs.count == 1)
        #expect(runs.first?.x == 2)
        #expect(runs.first?.cells.map(\.width) == [2, 0])

        var halved = old
        halved.put("x", x: 3, y: 0)
        let broken = halved.diff(from: old)
        #expect(broken.count == 1)
        #expect(broken.first?.x == 2)
        #expect(broken.first?.cells.map(\.text) == [" ", "x"])
    }

    @Test func diffAfterResizeIsEverything() {
        var canvas = Canvas(columns: 4, rows: 3)
        canvas.put("abcd", x: 0, y: 0)
        for old in [nil, Canvas(columns: 5, rows: 3), Canvas(columns: 4, rows: 2)] {
            let runs = canvas.diff(from: old)
            #expect(runs.map(\.y) == [0, 1, 2])
            #expect(runs.allSatisfy { $0.x == 0 && $0.cells.count == 4 })
            #expect(runs.first?.cells.map(\.text).joined() == "abcd")
        }
    }

    @Test func rectGeometry() {
        let r = Rect(x: 2, y: 1, width: 5, height: 3)
        #expect(r.maxX == 7 && r.maxY == 4)
        #expect(r.contains(x: 2, y: 1) && !r.contains(x: 7, y: 1))
        #expect(r.insetBy(dx: 1, dy: 1) == Rect(x: 3, y: 2, width: 3, height: 1))
        #expect(r.intersection(Rect(x: 0, y: 0, width: 4, height: 2)) == Rect(x: 2, y: 1, width: 2, height: 1))
        #expect(r.intersection(Rect(x: 20, y: 0, width: 4, height: 2)).isEmpty)
    }
}
