/// One column of the screen.
///
/// A wide character (CJK, most emoji) occupies two cells: the left one holds
/// the character with `width == 2`, the right one is a continuation with
/// empty `text` and `width == 0`. `Canvas` keeps the pair together.
public struct Cell: Hashable, Sendable {
    /// One grapheme cluster; `""` for the right half of a wide character.
    public var text: String
    /// Columns taken: 1, 2, or 0 for the right half of a wide character.
    public var width: Int
    /// How the cell is drawn.
    public var style: Style

    /// Creates a cell; `width` must agree with `text` (see `DisplayWidth`).
    public init(text: String, width: Int, style: Style = .normal) {
        self.text = text
        self.width = width
        self.style = style
    }

    /// A cell showing `character`, with its display width computed.
    public init(_ character: Character, style: Style = .normal) {
        self.init(text: String(character), width: DisplayWidth.of(character), style: style)
    }

    /// A space in the normal style: what a new canvas is made of.
    public static let blank = Cell(text: " ", width: 1, style: .normal)

    /// True for the right half of a wide character.
    public var isContinuation: Bool { width == 0 }

    /// A space keeping this cell's style (what remains of a broken wide pair).
    var blanked: Cell { Cell(text: " ", width: 1, style: style) }
}

/// A rectangle of cells, in columns and rows from the top-left corner.
public struct Rect: Hashable, Sendable {
    /// Left column.
    public var x: Int
    /// Top row.
    public var y: Int
    /// Columns.
    public var width: Int
    /// Rows.
    public var height: Int

    /// Creates a rectangle.
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// One past the rightmost column.
    public var maxX: Int { x + width }
    /// One past the bottom row.
    public var maxY: Int { y + height }
    /// True when the rectangle holds no cell.
    public var isEmpty: Bool { width <= 0 || height <= 0 }

    /// True when the cell at (`x`, `y`) lies inside.
    public func contains(x px: Int, y py: Int) -> Bool {
        px >= x && px < maxX && py >= y && py < maxY
    }

    /// The rectangle shrunk by `dx` columns on each side and `dy` rows at top
    /// and bottom (never negative in size).
    public func insetBy(dx: Int, dy: Int) -> Rect {
        Rect(x: x + dx, y: y + dy, width: max(0, width - 2 * dx), height: max(0, height - 2 * dy))
    }

    /// The part shared with `other` (empty, with zero size, when disjoint).
    public func intersection(_ other: Rect) -> Rect {
        let left = max(x, other.x), top = max(y, other.y)
        let right = min(maxX, other.maxX), bottom = min(maxY, other.maxY)
        return Rect(x: left, y: top, width: max(0, right - left), height: max(0, bottom - top))
    }
}
