/// A key the user pressed, independent of the terminal's encoding.
public enum Key: Hashable, Sendable {
    /// A printable character, in any language ("é", "ß", "漢").
    case char(Character)
    /// Ctrl with a letter, given in lower case (`.ctrl("l")` for Ctrl-L).
    case ctrl(Character)
    /// F1, F2… (`.function(1)` is F1).
    case function(Int)
    case up, down, left, right
    case home, end, pageUp, pageDown
    /// Tab; Shift-Tab is `backTab`.
    case tab, backTab
    case escape, enter, backspace, delete, insert

    /// The key a C0 control code stands for, as a raw terminal sends it.
    ///
    /// Tab (Ctrl-I), Enter (CR or LF: Ctrl-M, Ctrl-J), Backspace (DEL or BS:
    /// Ctrl-H) and Esc keep their own names, as terminals give no way to tell
    /// them apart from the Ctrl combinations. Other codes 1–26 become
    /// `.ctrl` with the lower-case letter; anything else is nil.
    public init?(controlCode: UInt32) {
        switch controlCode {
        case 0x09: self = .tab
        case 0x0A, 0x0D: self = .enter
        case 0x08, 0x7F: self = .backspace
        case 0x1B: self = .escape
        case 0x01...0x1A:
            guard let scalar = Unicode.Scalar(controlCode + 0x60) else { return nil }
            self = .ctrl(Character(scalar))
        default:
            return nil
        }
    }
}

/// Something the screen reports to the run loop.
public enum InputEvent: Hashable, Sendable {
    /// A key press.
    case key(Key)
    /// Text pasted at once (bracketed paste), to insert without running keys.
    case paste(String)
    /// The terminal changed size; redraw at the new size.
    case resize(columns: Int, rows: Int)
    /// A clock tick (status line time, lock countdown).
    case tick
}
