import CabinetCore
import Foundation
import TerminalUI

/// One row of wrapped text: the characters `start..<end` (grapheme clusters)
/// of logical line `line`.
public struct VisualLine: Equatable, Sendable {
    /// Index of the logical line (between two newlines).
    public let line: Int
    /// First character, in grapheme clusters from the start of the line.
    public let start: Int
    /// One past the last character.
    public let end: Int
    /// The characters themselves.
    public let text: String
    /// The last row of its logical line (the cursor may sit at `end`).
    public let isLast: Bool
}

/// A multi-line text editor: the text as lines, a cursor, a length limit and
/// one level of undo.
///
/// A plain value, so that it can be sealed into a draft at a lock and survive
/// a crash (`Codable`), compared in tests and drawn by a pure function
/// (`drawEditor`). Positions are in characters (grapheme clusters), so an
/// accent typed as a combining mark joins the letter before it; columns on
/// screen are display columns (`DisplayWidth`), so wide characters wrap
/// right.
///
/// Vertical moves follow the wrapped rows at `width`, which the view sets to
/// the width it wraps at (`TextEditor.wrapWidth(columns:)`).
public struct TextEditor: Codable, Equatable, Sendable {
    /// A place in the text: logical line and column in characters.
    public struct Position: Codable, Equatable, Sendable {
        public var line: Int
        public var column: Int

        public init(line: Int, column: Int) {
            self.line = line
            self.column = column
        }
    }

    /// What one undo step brings back.
    struct Snapshot: Codable, Equatable, Sendable {
        var lines: [String]
        var cursor: Position
    }

    /// Consecutive keys of one kind that undo as one step.
    enum Run: String, Codable, Sendable {
        case typing, deleting
    }

    /// The logical lines (never empty: an empty text is one empty line).
    public private(set) var lines: [String] = [""]
    public private(set) var cursor = Position(line: 0, column: 0)
    /// The longest text accepted, in characters (newlines count).
    public let maxLength: Int
    /// The width wrapped at for ↑/↓, Home/End and PgUp/PgDn (display columns).
    public var width: Int = 60
    /// Catalogue key of what the last edit has to tell the user, if anything.
    public private(set) var notice: String?
    /// Arguments of `notice`.
    public private(set) var noticeArgs: [String: String] = [:]
    /// The state before the last change.
    private(set) var undoSnapshot: Snapshot?
    /// The change under way, that further keys of its kind extend.
    private(set) var run: Run?
    /// The display column ↑/↓ aim for, kept across rows shorter than it.
    private(set) var goalColumn: Int?

    /// An editor holding `text` (sanitised and cut to `maxLength`), the
    /// cursor at its end.
    public init(text: String = "", maxLength: Int) {
        self.maxLength = max(0, maxLength)
        self.text = text
    }

    /// The text, lines joined with "\n". Setting it sanitises it
    /// (`FieldText`), puts the cursor at the end and forgets the undo step.
    public var text: String {
        get { lines.joined(separator: "\n") }
        set {
            let clean = FieldText.sanitize(newValue, multiline: true, maxLength: maxLength).text
            lines = clean.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if lines.isEmpty { lines = [""] }
            cursor = Position(line: lines.count - 1, column: lines[lines.count - 1].count)
            undoSnapshot = nil
            run = nil
            goalColumn = nil
        }
    }

    public var isEmpty: Bool { lines.count == 1 && lines[0].isEmpty }

    /// Length in characters, newlines included.
    public var count: Int { lines.reduce(lines.count - 1) { $0 + $1.count } }

    /// The wrapping width for an editor drawn `columns` wide: the rightmost
    /// column is kept for the scroll markers and the cursor at a full row's end.
    public static func wrapWidth(columns: Int) -> Int { max(1, columns - 1) }

    // MARK: Editing

    /// Applies an editing key; returns true when the key was used.
    ///
    /// ↑ on the first row and ↓ on the last are not used, so that the form
    /// around the editor can move to the field above or below. Tab, Esc and
    /// function keys are the caller's.
    public mutating func edit(_ key: Key) -> Bool {
        notice = nil
        noticeArgs = [:]
        if !isVertical(key) { goalColumn = nil }
        switch key {
        case .char(let c):
            if c.isNewline { return insertNewline() }
            guard !c.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                return true
            }
            insertCharacter(c)
        case .enter:
            return insertNewline()
        case .backspace:
            backspace()
        case .delete, .ctrl("d"):
            deleteForward()
        case .ctrl("k"):
            killToEndOfLine()
        case .ctrl("z"):
            undo()
        case .left:
            run = nil
            if cursor.column > 0 {
                cursor.column -= 1
            } else if cursor.line > 0 {
                cursor.line -= 1
                cursor.column = lines[cursor.line].count
            }
        case .right:
            run = nil
            if cursor.column < lines[cursor.line].count {
                cursor.column += 1
            } else if cursor.line < lines.count - 1 {
                cursor.line += 1
                cursor.column = 0
            }
        case .home, .ctrl("a"):
            run = nil
            let rows = layout(width: width)
            cursor.column = rows[cursorRow(in: rows)].start
        case .end, .ctrl("e"):
            run = nil
            let rows = layout(width: width)
            let row = rows[cursorRow(in: rows)]
            cursor.column = row.isLast ? row.end : max(row.start, row.end - 1)
        case .up:
            return moveVertically(by: -1, paging: false)
        case .down:
            return moveVertically(by: 1, paging: false)
        case .pageUp:
            return moveVertically(by: -10, paging: true)
        case .pageDown:
            return moveVertically(by: 10, paging: true)
        default:
            return false
        }
        return true
    }

    /// Inserts pasted text at the cursor as one undoable change.
    ///
    /// The text is sanitised as `FieldText` does for multi-line fields
    /// (escape sequences and controls removed, CR LF → LF, NFC) and cut to
    /// the room left, which `notice` then reports. Inserted in one piece,
    /// so a long paste costs its length once.
    public mutating func paste(_ text: String) {
        notice = nil
        noticeArgs = [:]
        goalColumn = nil
        run = nil
        let room = max(0, maxLength - count)
        let clean = FieldText.sanitize(text, multiline: true, maxLength: room)
        if clean.truncated {
            setNotice("text.truncated", ["max": String(maxLength)])
        } else if clean.removedControls {
            setNotice("text.controls_removed")
        }
        guard !clean.text.isEmpty else { return }
        saveUndo()
        insert(clean.text)
    }

    /// Brings back the text and cursor before the last change (one level).
    public mutating func undo() {
        run = nil
        guard let snapshot = undoSnapshot else { return }
        lines = snapshot.lines.isEmpty ? [""] : snapshot.lines
        cursor = snapshot.cursor
        clampCursor()
        undoSnapshot = nil
    }

    /// Whether there is a change to undo.
    public var canUndo: Bool { undoSnapshot != nil }

    private func isVertical(_ key: Key) -> Bool {
        key == .up || key == .down || key == .pageUp || key == .pageDown
    }

    private mutating func setNotice(_ key: String, _ args: [String: String] = [:]) {
        notice = key
        noticeArgs = args
    }

    private mutating func refuseFull() {
        setNotice("form.too_long", ["max": String(maxLength)])
    }

    private mutating func saveUndo() {
        undoSnapshot = Snapshot(lines: lines, cursor: cursor)
    }

    /// Starts a change of kind `kind`, or extends the run under way.
    private mutating func begin(_ kind: Run?) {
        if kind == nil || run != kind { saveUndo() }
        run = kind
    }

    private mutating func insertCharacter(_ c: Character) {
        guard count < maxLength else {
            refuseFull()
            return
        }
        begin(.typing)
        insert(String(c))
    }

    private mutating func insertNewline() -> Bool {
        guard count < maxLength else {
            refuseFull()
            return true
        }
        begin(nil)
        let (before, after) = split(lines[cursor.line], at: cursor.column)
        lines[cursor.line] = before
        lines.insert(after, at: cursor.line + 1)
        cursor = Position(line: cursor.line + 1, column: 0)
        return true
    }

    /// Inserts clean text (possibly with newlines) at the cursor, in one piece.
    private mutating func insert(_ s: String) {
        let (before, after) = split(lines[cursor.line], at: cursor.column)
        var pieces = s.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard !pieces.isEmpty else { return }
        pieces[0] = before + pieces[0]
        let last = pieces.count - 1
        pieces[last] += after
        // Counted on the joined line: a combining mark merges with its neighbour.
        let column = max(0, pieces[last].count - after.count)
        lines.replaceSubrange(cursor.line...cursor.line, with: pieces)
        cursor = Position(line: cursor.line + last, column: column)
    }

    private mutating func backspace() {
        if cursor.column > 0 {
            begin(.deleting)
            var line = lines[cursor.line]
            line.remove(at: line.index(line.startIndex, offsetBy: cursor.column - 1))
            let after = lines[cursor.line].count - cursor.column
            lines[cursor.line] = line
            cursor.column = max(0, line.count - after)
        } else if cursor.line > 0 {
            begin(.deleting)
            let previous = lines[cursor.line - 1]
            let current = lines.remove(at: cursor.line)
            let joined = previous + current
            lines[cursor.line - 1] = joined
            cursor = Position(line: cursor.line - 1, column: max(0, joined.count - current.count))
        }
    }

    private mutating func deleteForward() {
        let line = lines[cursor.line]
        if cursor.column < line.count {
            begin(.deleting)
            var edited = line
            edited.remove(at: edited.index(edited.startIndex, offsetBy: cursor.column))
            lines[cursor.line] = edited
            clampCursor()
        } else if cursor.line < lines.count - 1 {
            begin(.deleting)
            let next = lines.remove(at: cursor.line + 1)
            lines[cursor.line] = line + next
            clampCursor()
        }
    }

    /// Ctrl-K: deletes to the end of the logical line, or joins the next
    /// line when already there (as Emacs and nano do).
    private mutating func killToEndOfLine() {
        let line = lines[cursor.line]
        if cursor.column < line.count {
            begin(nil)
            lines[cursor.line] = split(line, at: cursor.column).0
        } else if cursor.line < lines.count - 1 {
            begin(nil)
            let next = lines.remove(at: cursor.line + 1)
            lines[cursor.line] = line + next
        }
        clampCursor()
    }

    private func split(_ line: String, at column: Int) -> (String, String) {
        let i = line.index(line.startIndex, offsetBy: min(max(0, column), line.count))
        return (String(line[..<i]), String(line[i...]))
    }

    private mutating func clampCursor() {
        if lines.isEmpty { lines = [""] }
        cursor.line = min(max(0, cursor.line), lines.count - 1)
        cursor.column = min(max(0, cursor.column), lines[cursor.line].count)
    }

    /// ↑/↓ (one row, not used past the first or last row) and PgUp/PgDn
    /// (ten rows, going to the very start or end when no row is left).
    private mutating func moveVertically(by delta: Int, paging: Bool) -> Bool {
        run = nil
        let rows = layout(width: width)
        let (row, column) = cursorPosition(in: rows)
        let goal = goalColumn ?? column
        let target = min(max(0, row + delta), rows.count - 1)
        if target == row {
            guard paging else { return false }
            goalColumn = nil
            if delta < 0 {
                cursor = Position(line: 0, column: 0)
            } else {
                cursor = Position(line: lines.count - 1, column: lines[lines.count - 1].count)
            }
            return true
        }
        let visual = rows[target]
        // The row's last place: its end for the last row of a line, else
        // before its last character (its end shows at the next row's start).
        let limit = visual.isLast ? visual.end : max(visual.start, visual.end - 1)
        var index = visual.start
        var used = 0
        for ch in visual.text {
            guard index < limit else { break }
            let w = TextEditor.columns(of: ch)
            if used + w > goal { break }
            used += w
            index += 1
        }
        cursor = Position(line: visual.line, column: index)
        goalColumn = goal
        return true
    }

    // MARK: Layout

    /// Display columns of a character in the editor: a tab shows as one space.
    static func columns(of c: Character) -> Int {
        c == "\t" ? 1 : DisplayWidth.of(c)
    }

    /// The text wrapped to `width` display columns, row by row.
    ///
    /// Each logical line is cut after the last space that fits; a space that
    /// doesn't fit hangs at the row's end (the next row starts with the next
    /// word); a word longer than the row is cut. Every character belongs to
    /// exactly one row; an empty line is one empty row.
    public func layout(width: Int) -> [VisualLine] {
        let limit = max(1, width)
        var rows: [VisualLine] = []
        rows.reserveCapacity(lines.count)
        for (number, line) in lines.enumerated() {
            let chars = Array(line)
            let n = chars.count
            var start = 0
            repeat {
                var used = 0
                var i = start
                var lastBreak: Int?
                while i < n {
                    let w = TextEditor.columns(of: chars[i])
                    if used + w > limit { break }
                    used += w
                    if chars[i] == " " || chars[i] == "\t" { lastBreak = i + 1 }
                    i += 1
                }
                let end: Int
                if i == n {
                    end = n
                } else if chars[i] == " " || chars[i] == "\t" {
                    end = i + 1
                } else if let lastBreak, lastBreak > start {
                    end = lastBreak
                } else {
                    end = max(i, start + 1)
                }
                rows.append(VisualLine(line: number, start: start, end: end,
                                       text: String(chars[start..<end]), isLast: end == n))
                start = end
            } while start < n
        }
        return rows
    }

    /// The row of `rows` the cursor shows on: a place between two rows of a
    /// line shows at the start of the second.
    func cursorRow(in rows: [VisualLine]) -> Int {
        var low = 0, high = rows.count - 1
        // Rows are in text order: find the first row of the cursor's line
        // that ends after it (or the line's last row).
        while low < high {
            let mid = (low + high) / 2
            let r = rows[mid]
            if r.line < cursor.line || (r.line == cursor.line && r.end <= cursor.column && !r.isLast) {
                low = mid + 1
            } else {
                high = mid
            }
        }
        return max(0, low)
    }

    /// The cursor's row in `rows` and its display column on that row.
    public func cursorPosition(in rows: [VisualLine]) -> (row: Int, column: Int) {
        guard !rows.isEmpty else { return (0, 0) }
        let row = cursorRow(in: rows)
        let visual = rows[row]
        var column = 0
        for ch in visual.text.prefix(max(0, cursor.column - visual.start)) {
            column += TextEditor.columns(of: ch)
        }
        return (row, column)
    }

    /// The cursor's row and display column when wrapped at `width`.
    public func cursorPosition(width: Int) -> (row: Int, column: Int) {
        cursorPosition(in: layout(width: width))
    }

    // MARK: Codable

    private enum CodingKeys: String, CodingKey {
        case lines, cursor, maxLength, width, notice, noticeArgs, undoSnapshot, run, goalColumn
    }

    /// Decodes a draft, keeping the cursor inside the text whatever it says.
    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        maxLength = try values.decode(Int.self, forKey: .maxLength)
        lines = try values.decode([String].self, forKey: .lines)
        cursor = try values.decode(Position.self, forKey: .cursor)
        width = try values.decodeIfPresent(Int.self, forKey: .width) ?? 60
        notice = try values.decodeIfPresent(String.self, forKey: .notice)
        noticeArgs = try values.decodeIfPresent([String: String].self, forKey: .noticeArgs) ?? [:]
        undoSnapshot = try values.decodeIfPresent(Snapshot.self, forKey: .undoSnapshot)
        run = try values.decodeIfPresent(Run.self, forKey: .run)
        goalColumn = try values.decodeIfPresent(Int.self, forKey: .goalColumn)
        clampCursor()
    }
}

/// Draws `editor` inside `rect`: the text wrapped at
/// `TextEditor.wrapWidth(columns: rect.width)` in the input style, scrolled
/// so the cursor's row shows (the first row shown follows from the cursor
/// alone), ▲/▼ in the right column when text lies above or below, and the
/// cursor's cell in reverse video when focused.
func drawEditor(_ editor: TextEditor, in rect: Rect, focused: Bool, _ canvas: inout Canvas) {
    guard !rect.isEmpty else { return }
    let style = Style(.input)
    canvas.fill(rect, style: style)
    let rows = editor.layout(width: TextEditor.wrapWidth(columns: rect.width))
    let (row, column) = editor.cursorPosition(in: rows)
    let top = max(0, row - (rect.height - 1))
    for (i, visual) in rows.dropFirst(top).prefix(rect.height).enumerated() {
        let shown = visual.text.contains("\t") ? visual.text.replacingOccurrences(of: "\t", with: " ") : visual.text
        canvas.put(shown, x: rect.x, y: rect.y + i, style: Style(.input, bold: focused), maxWidth: rect.width)
    }
    let right = rect.maxX - 1
    if top > 0 {
        canvas.put("▲", x: right, y: rect.y, style: Style(.muted))
    }
    if top + rect.height < rows.count {
        canvas.put("▼", x: right, y: rect.maxY - 1, style: Style(.muted))
    }
    if focused {
        let x = rect.x + min(column, rect.width - 1), y = rect.y + row - top
        var cell = canvas[x, y]
        if cell.isContinuation || editor.cursorIsAtRowEnd(rows[row]) { cell = Cell(text: " ", width: 1) }
        cell.style = Style(.input, reverse: true)
        canvas[x, y] = cell
    }
}

extension TextEditor {
    /// The cursor sits after the last character of `row` (no character under it).
    fileprivate func cursorIsAtRowEnd(_ row: VisualLine) -> Bool {
        cursor.column >= row.end
    }
}
