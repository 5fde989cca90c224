import CQRencode

/// A QR code as a square grid of modules, and its drawings for a terminal.
///
/// The matrix comes from libqrencode; this type copies it into Swift arrays at
/// once, so no C pointer outlives `encode`.
public struct QRMatrix: Sendable, Equatable {
    /// The number of modules on a side (21 + 4 × (version − 1)), quiet zone excluded.
    public let size: Int
    /// The modules by row then column; `true` is a dark module.
    public let modules: [[Bool]]

    /// Encodes text as a QR code with error-correction level M, or returns nil.
    ///
    /// Level M (15 % recovery) keeps an otpauth:// URI small enough to be
    /// drawn in an 80-column terminal while surviving a glare or a smudge.
    /// libqrencode picks the smallest version that fits, and may encode runs
    /// of digits or upper-case letters more compactly than bytes.
    /// Returns nil for empty text, text containing a NUL character (C would
    /// silently cut it there) or text too long for any QR version.
    public static func encode(_ text: String) -> QRMatrix? {
        guard !text.isEmpty, !text.utf8.contains(0) else { return nil }
        guard let code = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1) else { return nil }
        defer { QRcode_free(code) }

        let width = Int(code.pointee.width)
        guard width > 0, let data = code.pointee.data else { return nil }
        let bytes = UnsafeBufferPointer(start: data, count: width * width)
        // Bit 0 of each byte is the colour; the other bits describe what the
        // module is for (finder, timing, data…), which a drawing does not need.
        let modules = (0..<width).map { row in
            (0..<width).map { column in bytes[row * width + column] & 1 == 1 }
        }
        return QRMatrix(size: width, modules: modules)
    }

    /// Draws the code with Unicode half blocks, two module rows per line.
    ///
    /// A character cell is about twice as tall as it is wide, so one column
    /// and two rows of modules per cell give square modules.
    ///
    /// Most terminals have light text on a dark background, and a scanner
    /// expects dark modules on a light field. So by default (`inverted:
    /// false`) the *light* modules, the quiet zone included, are drawn in
    /// blocks (the foreground colour) and the dark modules are left as spaces
    /// (the background colour): on a dark terminal the code appears the right
    /// way round, as a light square with dark modules. Pass `inverted: true`
    /// for a terminal with dark text on a light background: the dark modules
    /// are then drawn as blocks.
    ///
    /// - Parameters:
    ///   - quietZone: the width of the light margin, in modules (the standard
    ///     asks for 4; 2 is enough for phone apps and saves room). Negative
    ///     counts as 0.
    ///   - inverted: draw the dark modules rather than the light ones.
    /// - Returns: ceil((size + 2 × quietZone) / 2) lines, each of
    ///   size + 2 × quietZone characters. When the height is odd, the bottom
    ///   half of the last line lies outside the code and is left blank.
    public func terminalLines(quietZone: Int = 2, inverted: Bool = false) -> [String] {
        let margin = max(0, quietZone)
        let side = size + 2 * margin
        return stride(from: 0, to: side, by: 2).map { top in
            String((0..<side).map { column -> Character in
                let upper = isInked(row: top, column: column, margin: margin, inverted: inverted)
                let lower = top + 1 < side
                    && isInked(row: top + 1, column: column, margin: margin, inverted: inverted)
                switch (upper, lower) {
                case (true, true): return "\u{2588}"  // █
                case (true, false): return "\u{2580}"  // ▀
                case (false, true): return "\u{2584}"  // ▄
                case (false, false): return " "
                }
            })
        }
    }

    /// Draws the code in ASCII, for terminals that cannot show UTF-8.
    ///
    /// Each module is two characters wide ("##" or two spaces) and one line
    /// tall, which is roughly square. The inversion is the same as in
    /// `terminalLines`: by default the light modules are "##" and the dark
    /// ones spaces, for a dark terminal.
    ///
    /// - Returns: size + 2 × quietZone lines of 2 × (size + 2 × quietZone) characters.
    public func asciiLines(quietZone: Int = 2, inverted: Bool = false) -> [String] {
        let margin = max(0, quietZone)
        let side = size + 2 * margin
        return (0..<side).map { row in
            (0..<side).map { column in
                isInked(row: row, column: column, margin: margin, inverted: inverted) ? "##" : "  "
            }.joined()
        }
    }

    /// Whether the module at a position of the drawing (quiet zone included)
    /// is drawn in the terminal's foreground colour.
    private func isInked(row: Int, column: Int, margin: Int, inverted: Bool) -> Bool {
        let inside = (margin..<(margin + size)).contains(row)
            && (margin..<(margin + size)).contains(column)
        let dark = inside && modules[row - margin][column - margin]
        return dark == inverted
    }
}
