/// A grid of cells that views draw onto; the backend presents it.
///
/// Views are pure functions of state that return a canvas, so a canvas is a
/// plain value: cheap to compare, to diff and to snapshot in tests.
///
/// Invariant: a cell of width 2 is always followed by its continuation (width
/// 0) and a continuation always follows a cell of width 2. Every write goes
/// through `store`, which keeps it.
public struct Canvas: Equatable, Sendable {
    /// Width in columns.
    public let columns: Int
    /// Height in rows.
    public let rows: Int
    private var cells: [Cell]

    /// A blank canvas (negative sizes count as zero).
    public init(columns: Int, rows: Int) {
        self.columns = max(0, columns)
        self.rows = max(0, rows)
        cells = Array(repeating: .blank, count: self.columns * self.rows)
    }

    /// The whole canvas as a rectangle.
    public var bounds: Rect { Rect(x: 0, y: 0, width: columns, height: rows) }

    /// The cell at column `x`, row `y`.
    ///
    /// Reading outside the canvas gives `.blank`; writing there is ignored.
    /// Writing a wide cell also writes its continuation (or a space when it
    /// would not fit); writing a continuation on its own writes a space; a
    /// wide character half overwritten loses its other half too.
    public subscript(x: Int, y: Int) -> Cell {
        get {
            guard contains(x, y) else { return .blank }
            return cells[y * columns + x]
        }
        set {
            guard contains(x, y) else { return }
            switch newValue.width {
            case 1:
                store(newValue, x: x, y: y)
            case 2... where x + 1 < columns:
                store(Cell(text: newValue.text, width: 2, style: newValue.style), x: x, y: y)
            default:
                // A wide cell at the last column, a lone continuation, or a
                // zero-width cluster: a space keeps the row's columns right.
                store(newValue.blanked, x: x, y: y)
            }
        }
    }

    /// The cell at column `x`, row `y` (labelled form of the subscript).
    public subscript(x x: Int, y y: Int) -> Cell {
        get { self[x, y] }
        set { self[x, y] = newValue }
    }

    /// Writes `text` from column `x` of row `y`, one grapheme cluster per cell.
    ///
    /// Clipped at the right edge and after `maxWidth` columns; columns left
    /// of 0 are skipped. A wide character that doesn't fit entirely is
    /// replaced by a space; zero-width clusters (controls, a stray combining
    /// mark) are dropped. No ellipsis: use `DisplayWidth.truncate` first for
    /// that.
    ///
    /// - Returns: the number of columns written (so that `x += put(...)`
    ///   lays out text left to right).
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, style: Style = .normal, maxWidth: Int? = nil) -> Int {
        guard y >= 0, y < rows else { return 0 }
        var limit = columns
        if let maxWidth {
            let (end, overflow) = x.addingReportingOverflow(max(0, maxWidth))
            if !overflow { limit = min(limit, end) }
        }
        var column = x
        var written = 0
        for character in text {
            guard column < limit else { break }
            let width = DisplayWidth.of(character)
            guard width > 0 else { continue }
            if column + width > limit || column < 0 {
                // Clipped on the right or the left: spaces in the visible part.
                let visible = max(column, 0)..<max(0, min(column + width, limit))
                for c in visible {
                    store(Cell(text: " ", width: 1, style: style), x: c, y: y)
                    written += 1
                }
                column += width
                if column > limit { break }
                continue
            }
            store(Cell(text: String(character), width: width, style: style), x: column, y: y)
            written += width
            column += width
        }
        return written
    }

    /// Fills `rect` (clipped to the canvas) with `character` in `style`.
    ///
    /// A wide fill character that doesn't fit at the end of a row leaves a
    /// space; a zero-width one fills with spaces.
    public mutating func fill(_ rect: Rect, style: Style, character: Character = " ") {
        let area = rect.intersection(bounds)
        guard !area.isEmpty else { return }
        let width = DisplayWidth.of(character)
        let cell = width > 0 ? Cell(text: String(character), width: width, style: style)
                             : Cell(text: " ", width: 1, style: style)
        for y in area.y..<area.maxY {
            var x = area.x
            while x < area.maxX {
                if x + cell.width > area.maxX {
                    store(cell.blanked, x: x, y: y)
                    x += 1
                } else {
                    store(cell, x: x, y: y)
                    x += cell.width
                }
            }
        }
    }

    /// Draws a single-line box (┌─┐│└┘) along the edges of `rect`.
    ///
    /// The inside is left as it is; the parts outside the canvas are clipped.
    /// A rectangle narrower or shorter than 2 draws nothing: it has no room
    /// for its corners.
    public mutating func box(_ rect: Rect, style: Style) {
        guard rect.width >= 2, rect.height >= 2 else { return }
        let right = rect.maxX - 1, bottom = rect.maxY - 1
        for x in rect.x...right {
            let top: String, low: String
            switch x {
            case rect.x: (top, low) = ("┌", "└")
            case right: (top, low) = ("┐", "┘")
            default: (top, low) = ("─", "─")
            }
            self[x, rect.y] = Cell(text: top, width: 1, style: style)
            self[x, bottom] = Cell(text: low, width: 1, style: style)
        }
        for y in (rect.y + 1)..<bottom {
            self[rect.x, y] = Cell(text: "│", width: 1, style: style)
            self[right, y] = Cell(text: "│", width: 1, style: style)
        }
    }

    /// The text of row `y`, trailing spaces kept: its display width is
    /// `columns` (empty outside the canvas).
    public func line(_ y: Int) -> String {
        guard y >= 0, y < rows else { return "" }
        var s = ""
        for cell in cells[y * columns..<(y + 1) * columns] { s += cell.text }
        return s
    }

    /// The text of every row, top to bottom.
    public func lines() -> [String] {
        (0..<rows).map(line)
    }

    /// One letter per column naming the style role of row `y`
    /// (`StyleRole.snapshotLetter`), for snapshots of what means what.
    ///
    /// The right half of a wide character repeats its left half's letter.
    /// Bold, underline and reverse are not shown: they are the theme's
    /// business, the role is the view's.
    public func styleLine(_ y: Int) -> String {
        guard y >= 0, y < rows else { return "" }
        return String(cells[y * columns..<(y + 1) * columns].map { $0.style.role.snapshotLetter })
    }

    /// The runs of cells that differ from `old`, row by row, left to right.
    ///
    /// Everything (one run per row) when `old` is nil or of another size.
    /// A run never starts on the right half of a wide character nor ends
    /// between the two halves, so it can be drawn as is: `cells.count`
    /// columns from `x`, skipping continuations (width 0), which the wide
    /// character before them covers.
    public func diff(from old: Canvas?) -> [(y: Int, x: Int, cells: [Cell])] {
        guard let old, old.columns == columns, old.rows == rows else {
            return (0..<rows).map { y in (y: y, x: 0, cells: Array(cells[y * columns..<(y + 1) * columns])) }
        }
        var runs: [(y: Int, x: Int, cells: [Cell])] = []
        for y in 0..<rows {
            let base = y * columns
            var x = 0
            while x < columns {
                guard cells[base + x] != old.cells[base + x] else {
                    x += 1
                    continue
                }
                let start = cells[base + x].width == 0 && x > 0 ? x - 1 : x
                var end = x + 1
                while end < columns,
                      cells[base + end] != old.cells[base + end] || cells[base + end].width == 0 {
                    end += 1
                }
                runs.append((y: y, x: start, cells: Array(cells[(base + start)..<(base + end)])))
                x = end
            }
        }
        return runs
    }

    private func contains(_ x: Int, _ y: Int) -> Bool {
        x >= 0 && x < columns && y >= 0 && y < rows
    }

    /// Writes a cell of width 1 or 2 that fits at (`x`, `y`), first blanking
    /// the other half of any wide character it partly covers.
    private mutating func store(_ cell: Cell, x: Int, y: Int) {
        let base = y * columns
        if cells[base + x].width == 0, x > 0 {
            cells[base + x - 1] = cells[base + x - 1].blanked
        }
        let last = x + cell.width - 1
        if cells[base + last].width == 2, last + 1 < columns {
            cells[base + last + 1] = cells[base + last + 1].blanked
        }
        cells[base + x] = cell
        if cell.width == 2 {
            cells[base + x + 1] = Cell(text: "", width: 0, style: cell.style)
        }
    }
}
