import Foundation

/// Plain-ASCII stand-ins for when the terminal's locale is not UTF-8.
///
/// French text keeps its letters without their accents ("Élève" → "Eleve"),
/// typographic punctuation becomes its ASCII cousin, box drawing becomes
/// `+ - |`, blocks become `#`, and anything else shows as `?` rather than as
/// mojibake that could shift the rest of the line.
public enum ASCIIFallback {
    /// `s` in ASCII. The result may be longer or shorter than `s` ("œ" →
    /// "oe", "漢" → "?"): for drawing into a fixed grid use `text(for:)`.
    public static func transliterate(_ s: String) -> String {
        var out = ""
        for c in s { out += transliterate(c) }
        return out
    }

    /// Exactly `cell.width` ASCII characters for a cell: its transliteration
    /// cut or padded with spaces, so the columns after it stay in place
    /// ("" for the right half of a wide character, whose left half now
    /// covers both columns).
    public static func text(for cell: Cell) -> String {
        guard cell.width > 0 else { return "" }
        let ascii = transliterate(cell.text)
        if ascii.count >= cell.width { return String(ascii.prefix(cell.width)) }
        return ascii + String(repeating: " ", count: cell.width - ascii.count)
    }

    /// True when a locale's character set (`nl_langinfo(CODESET)`) is UTF-8,
    /// whatever its spelling ("UTF-8", "utf8").
    public static func isUTF8(codeset: String) -> Bool {
        let folded = codeset.lowercased().filter { $0 != "-" && $0 != "_" }
        return folded == "utf8"
    }

    private static func transliterate(_ c: Character) -> String {
        if c.isASCII { return String(c) }
        if let mapped = table[c] { return mapped }
        var out = ""
        var lastWasUnknown = false
        // Compatibility decomposition splits "é" into "e" + accent, "ﬁ" into
        // "fi", a no-break space into a space.
        for scalar in String(c).decomposedStringWithCompatibilityMapping.unicodeScalars {
            let piece: String?
            if scalar.isASCII {
                piece = String(scalar)
            } else if let mapped = table[Character(scalar)] {
                piece = mapped
            } else {
                switch scalar.properties.generalCategory {
                case .nonspacingMark, .enclosingMark, .spacingMark, .format:
                    piece = ""  // accents, joiners, variation selectors
                default:
                    piece = drawing(scalar)
                }
            }
            if let piece {
                out += piece
                // A joiner or a mark between two unknowns doesn't separate them.
                if !piece.isEmpty { lastWasUnknown = false }
            } else if !lastWasUnknown {
                // One "?" per unknown run: a family emoji is one "?", not five.
                out += "?"
                lastWasUnknown = true
            }
        }
        return out
    }

    /// Box drawing and block elements, by shape.
    private static func drawing(_ scalar: Unicode.Scalar) -> String? {
        switch scalar.value {
        case 0x2500...0x257F:
            // The scalar's name says which ways the lines go: "BOX DRAWINGS
            // LIGHT HORIZONTAL", "… DOWN AND RIGHT" (a corner), "… HEAVY LEFT
            // AND LIGHT RIGHT" (still a horizontal line).
            switch scalar.value {
            case 0x2571: return "/"
            case 0x2572: return "\\"
            case 0x2573: return "X"
            default: break
            }
            let words = Set((scalar.properties.name ?? "").split(separator: " ").map(String.init))
            let horizontal = words.contains("HORIZONTAL") || words.contains("LEFT") || words.contains("RIGHT")
            let vertical = words.contains("VERTICAL") || words.contains("UP") || words.contains("DOWN")
            if horizontal && !vertical { return "-" }
            if vertical && !horizontal { return "|" }
            return "+"
        case 0x2580...0x259F:
            return "#"
        default:
            return nil
        }
    }

    /// Characters whose ASCII form is not their decomposition.
    private static let table: [Character: String] = [
        "œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss",
        "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ł": "l", "Ł": "L",
        "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH", "ı": "i",
        "«": "\"", "»": "\"", "“": "\"", "”": "\"", "„": "\"",
        "‹": "'", "›": "'", "‘": "'", "’": "'", "‚": "'",
        "…": "...", "–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-",
        "\u{00A0}": " ", "\u{202F}": " ", "\u{2009}": " ",
        "•": "*", "·": ".", "×": "x", "÷": "/", "°": "o", "€": "EUR",
        "←": "<", "→": ">", "↑": "^", "↓": "v",
        "◂": "<", "▸": ">", "◀": "<", "▶": ">", "▲": "^", "▼": "v",
    ]
}
