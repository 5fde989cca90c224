/// How each style role looks: colours and attributes.
///
/// Two themes ship. `standard` uses the eight basic colours, which every
/// colour terminal (the Linux console, tmux, ssh sessions) has, and keeps the
/// terminal's own background and foreground for ordinary text so it reads on
/// light and dark terminals alike. `monochrome` uses no colour at all and
/// tells roles apart with bold, underline and reverse only: for terminals
/// without colour, `NO_COLOR`, or a user's choice.
///
/// Monochrome mapping (`attributes(for:)`):
///
/// | role         | bold | underline | reverse |
/// |--------------|------|-----------|---------|
/// | title        | ✓    |           |         |
/// | selection    | ✓    |           | ✓       |
/// | warning      | ✓    | ✓         |         |
/// | error        | ✓    |           |         |
/// | clinical     |      | ✓         |         |
/// | statusBar    |      |           | ✓       |
/// | keyHint      |      |           | ✓       |
/// | demoBanner   | ✓    |           | ✓       |
/// | input        |      | ✓         |         |
/// | success      | ✓    |           |         |
/// | others       |      |           |         |
///
/// The selection is bold as well as reversed so that it stays distinct from
/// the status bar next to it. Disabled and muted text are plain: `dim` is
/// not available everywhere a monochrome theme is used.
public struct Theme: Sendable {
    /// The eight basic terminal colours, numbered as curses numbers them;
    /// `default` is the terminal's own (`use_default_colors`).
    public enum TerminalColor: Int, Sendable {
        case `default` = -1, black = 0, red, green, yellow, blue, magenta, cyan, white
    }

    /// Foreground, background and boldness of a role.
    public struct Colors: Hashable, Sendable {
        public var foreground: TerminalColor
        public var background: TerminalColor
        public var bold: Bool

        /// Creates a colour pair, optionally bold.
        public init(foreground: TerminalColor, background: TerminalColor = .default, bold: Bool = false) {
            self.foreground = foreground
            self.background = background
            self.bold = bold
        }
    }

    /// Everything a backend needs to draw one cell: colours and attributes,
    /// the role's and the style's combined.
    public struct Rendition: Hashable, Sendable {
        public var foreground: TerminalColor
        public var background: TerminalColor
        public var bold: Bool
        public var underline: Bool
        public var reverse: Bool
        /// Faint text (A_DIM); only the colour theme uses it.
        public var dim: Bool

        /// Creates a rendition.
        public init(foreground: TerminalColor = .default, background: TerminalColor = .default,
                    bold: Bool = false, underline: Bool = false, reverse: Bool = false, dim: Bool = false) {
            self.foreground = foreground
            self.background = background
            self.bold = bold
            self.underline = underline
            self.reverse = reverse
            self.dim = dim
        }
    }

    /// A short name for settings and logs ("standard", "monochrome").
    public let name: String
    /// False when the theme uses no colour: the backend then needs no colour
    /// pairs at all.
    public var usesColor: Bool { looks.values.contains { $0.colors.foreground != .default || $0.colors.background != .default } }

    private struct Look: Sendable {
        var colors: Colors
        var underline = false
        var reverse = false
        var dim = false
    }

    private let looks: [StyleRole: Look]

    private init(name: String, looks: [StyleRole: Look]) {
        self.name = name
        self.looks = looks
    }

    /// A theme built role by role (bold comes from `colors`).
    public init(name: String, colors: (StyleRole) -> Colors,
                attributes: (StyleRole) -> (underline: Bool, reverse: Bool, dim: Bool)) {
        var looks: [StyleRole: Look] = [:]
        for role in StyleRole.allCases {
            let a = attributes(role)
            looks[role] = Look(colors: colors(role), underline: a.underline, reverse: a.reverse, dim: a.dim)
        }
        self.init(name: name, looks: looks)
    }

    /// The colours of `role` (the terminal's own when the theme has none).
    public func colors(for role: StyleRole) -> Colors {
        look(role).colors
    }

    /// The attributes of `role` itself, before a view's style adds any.
    public func attributes(for role: StyleRole) -> (bold: Bool, underline: Bool, reverse: Bool) {
        let l = look(role)
        return (l.colors.bold, l.underline, l.reverse)
    }

    /// How to draw a cell in `style`: the role's look plus the style's extras.
    ///
    /// Bold and underline add up. Reverse asks for a highlighted bar: when the
    /// role already has a background colour it *is* a bar, so the style's
    /// reverse is ignored rather than flipping it back into plain coloured
    /// text.
    public func rendition(for style: Style) -> Rendition {
        let l = look(style.role)
        let hasBackground = l.colors.background != .default
        return Rendition(
            foreground: l.colors.foreground,
            background: l.colors.background,
            bold: l.colors.bold || style.bold,
            underline: l.underline || style.underline,
            reverse: l.reverse || (style.reverse && !hasBackground),
            dim: l.dim
        )
    }

    private func look(_ role: StyleRole) -> Look {
        looks[role] ?? Look(colors: Colors(foreground: .default))
    }

    /// The colour theme: basic colours, the terminal's own for plain text.
    ///
    /// Bars (selection, status, key caps, demo banner, warning, error) get a
    /// background colour with black or white text, readable on light and dark
    /// terminals; disabled and muted text is dimmed rather than given a grey
    /// that would vanish on one of the two.
    public static let standard = Theme(name: "standard", looks: [
        .normal: Look(colors: Colors(foreground: .default)),
        .title: Look(colors: Colors(foreground: .cyan, bold: true)),
        .selection: Look(colors: Colors(foreground: .black, background: .cyan)),
        .warning: Look(colors: Colors(foreground: .black, background: .yellow, bold: true)),
        .error: Look(colors: Colors(foreground: .white, background: .red, bold: true)),
        .clinical: Look(colors: Colors(foreground: .magenta)),
        .disabled: Look(colors: Colors(foreground: .default), dim: true),
        .statusBar: Look(colors: Colors(foreground: .black, background: .white)),
        .keyHint: Look(colors: Colors(foreground: .black, background: .cyan)),
        .keyHintLabel: Look(colors: Colors(foreground: .default)),
        .demoBanner: Look(colors: Colors(foreground: .white, background: .magenta, bold: true)),
        .input: Look(colors: Colors(foreground: .default), underline: true),
        .muted: Look(colors: Colors(foreground: .default), dim: true),
        .success: Look(colors: Colors(foreground: .green, bold: true)),
        .border: Look(colors: Colors(foreground: .blue)),
    ])

    /// No colour: roles told apart by bold, underline and reverse (see the
    /// table in the type's documentation).
    public static let monochrome: Theme = {
        func plain(bold: Bool = false, underline: Bool = false, reverse: Bool = false) -> Look {
            Look(colors: Colors(foreground: .default, background: .default, bold: bold),
                 underline: underline, reverse: reverse)
        }
        var looks: [StyleRole: Look] = [:]
        for role in StyleRole.allCases {
            switch role {
            case .title, .error, .success: looks[role] = plain(bold: true)
            case .selection, .demoBanner: looks[role] = plain(bold: true, reverse: true)
            case .warning: looks[role] = plain(bold: true, underline: true)
            case .clinical, .input: looks[role] = plain(underline: true)
            case .statusBar, .keyHint: looks[role] = plain(reverse: true)
            case .normal, .disabled, .keyHintLabel, .muted, .border: looks[role] = plain()
            }
        }
        return Theme(name: "monochrome", looks: looks)
    }()
}
