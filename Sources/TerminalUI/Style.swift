/// What a piece of text *means* on screen; the theme decides how it looks.
///
/// Views name roles, never colours, so the same view reads well in colour, in
/// monochrome and in the Linux console (see `Theme`).
public enum StyleRole: String, CaseIterable, Sendable {
    /// Ordinary text.
    case normal
    /// Screen and section titles.
    case title
    /// The selected row or item.
    case selection
    /// Something the user should notice before going on.
    case warning
    /// A failure the user has to act on.
    case error
    /// Clinical content (only the doctor sees it).
    case clinical
    /// An action or item that is not available; the text usually says why.
    case disabled
    /// The status line (account, role, time, lock countdown).
    case statusBar
    /// The key itself in the function-key bar and in the help ("F1").
    case keyHint
    /// The label next to a key in the function-key bar.
    case keyHintLabel
    /// The banner marking a demonstration cabinet.
    case demoBanner
    /// A field the user types into.
    case input
    /// Secondary, less important text.
    case muted
    /// A confirmation that something worked.
    case success
    /// Box and separator lines.
    case border

    /// One letter naming the role in style snapshots (`Canvas.styleLine`).
    ///
    /// `normal` is a space so a snapshot's style lines stay quiet where
    /// nothing is styled.
    public var snapshotLetter: Character {
        switch self {
        case .normal: return " "
        case .title: return "T"
        case .selection: return "S"
        case .warning: return "W"
        case .error: return "E"
        case .clinical: return "C"
        case .disabled: return "D"
        case .statusBar: return "B"
        case .keyHint: return "K"
        case .keyHintLabel: return "k"
        case .demoBanner: return "M"
        case .input: return "I"
        case .muted: return "m"
        case .success: return "s"
        case .border: return "b"
        }
    }

    /// The role a snapshot letter names, if any.
    public init?(snapshotLetter: Character) {
        guard let role = StyleRole.allCases.first(where: { $0.snapshotLetter == snapshotLetter }) else {
            return nil
        }
        self = role
    }
}

/// A semantic role plus the few attributes a view may add on top of it.
///
/// The attributes are requests; the theme combines them with the role's own
/// look (`Theme.rendition(for:)`).
public struct Style: Hashable, Sendable {
    /// What the text means.
    public var role: StyleRole
    /// Asks for bold text.
    public var bold: Bool
    /// Asks for underlined text.
    public var underline: Bool
    /// Asks for reverse video (a highlighted bar).
    public var reverse: Bool

    /// Creates a style for `role` with optional extra attributes.
    public init(_ role: StyleRole = .normal, bold: Bool = false, underline: Bool = false, reverse: Bool = false) {
        self.role = role
        self.bold = bold
        self.underline = underline
        self.reverse = reverse
    }

    /// Plain text.
    public static let normal = Style()
}
