import CNcursesw
import Foundation
import Glibc
import TerminalUI

/// The ncurses backend (wide-character ncursesw).
///
/// `setlocale` before `initscr`; raw keys with keypad translation and a short
/// Esc delay; colours by semantic role with a monochrome fallback; only the
/// cells that changed since the last frame are redrawn; an ASCII fallback
/// when the locale is not UTF-8; the terminal restored by `stop()`, which the
/// application calls on exit and on SIGINT/SIGTERM/SIGHUP (see `Signals`).
public final class NcursesScreen: Screen {
    private var previous: Canvas?
    private var started = false
    private let utf8: Bool
    private let theme: Theme
    private let monochrome: Bool

    private var pairs: [String: Int16] = [:]

    /// Starts curses on the controlling terminal.
    public init(theme: Theme = .standard) {
        setlocale(LC_ALL, "")
        if cabinet_locale_is_utf8() == 0 && Self.environmentAsksForUTF8() {
            // The requested locale (say fr_FR.UTF-8) is not installed: keep
            // UTF-8 characters with the always-present C.UTF-8.
            setlocale(LC_CTYPE, "C.UTF-8")
        }
        utf8 = cabinet_locale_is_utf8() != 0
        cabinet_save_tty()
        _ = initscr()
        _ = raw()
        _ = noecho()
        _ = nonl()
        _ = keypad(cabinet_stdscr(), true)
        _ = set_escdelay(25)
        Self.defineCommonKeys()
        _ = curs_set(0)
        if has_colors() && theme.usesColor {
            _ = start_color()
            _ = use_default_colors()
            monochrome = false
            self.theme = theme
            // One pair per foreground/background combination in use.
            for role in StyleRole.allCases {
                let c = theme.colors(for: role)
                let key = "\(c.foreground.rawValue)/\(c.background.rawValue)"
                if pairs[key] == nil {
                    let n = Int16(pairs.count + 1)
                    _ = init_pair(n, Int16(c.foreground.rawValue), Int16(c.background.rawValue))
                    pairs[key] = n
                }
            }
        } else {
            monochrome = true
            self.theme = .monochrome
        }
        started = true
    }

    static func environmentAsksForUTF8() -> Bool {
        let env = ProcessInfo.processInfo.environment
        let value = env["LC_ALL"].flatMap { $0.isEmpty ? nil : $0 } ?? env["LC_CTYPE"].flatMap { $0.isEmpty ? nil : $0 } ?? env["LANG"] ?? ""
        let v = value.uppercased()
        return v.contains("UTF-8") || v.contains("UTF8")
    }

    public var size: (columns: Int, rows: Int) { (Int(cabinet_cols()), Int(cabinet_lines())) }

    public func present(_ canvas: Canvas) {
        guard started, let w = cabinet_stdscr() else { return }
        if previous.map({ $0.columns != canvas.columns || $0.rows != canvas.rows }) ?? false { previous = nil }
        for run in canvas.diff(from: previous) {
            var x = run.x
            for cell in run.cells {
                defer { x += max(cell.width, 1) }
                if cell.width == 0 { continue } // the right half of a wide character
                setAttributes(w, cell.style)
                let text = utf8 ? baseAndMarks(cell.text) : ASCIIFallback.text(for: cell)
                var wide = text.unicodeScalars.map { wchar_t(bitPattern: $0.value) }
                if wide.isEmpty { wide = [wchar_t(32)] }
                // An explicit move per cell: a terminal measuring a character
                // differently cannot shift the rest of the row.
                _ = cabinet_put(w, Int32(run.y), Int32(x), &wide, Int32(wide.count))
            }
        }
        _ = wrefresh(w)
        previous = canvas
    }

    /// ncurses takes one spacing character and its combining marks per cell:
    /// a longer cluster (a ZWJ emoji sequence) is drawn by its base.
    private func baseAndMarks(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for (i, s) in text.unicodeScalars.enumerated() {
            if i == 0 { out.append(s); continue }
            let cat = s.properties.generalCategory
            if cat == .nonspacingMark || cat == .enclosingMark || cat == .spacingMark { out.append(s) } else { break }
        }
        return String(out)
    }

    private func setAttributes(_ w: UnsafeMutablePointer<WINDOW>, _ style: Style) {
        let r = theme.rendition(for: style)
        let pair = monochrome ? Int16(0) : (pairs["\(r.foreground.rawValue)/\(r.background.rawValue)"] ?? 0)
        _ = cabinet_set_attr(w, r.bold ? 1 : 0, r.underline ? 1 : 0, r.reverse ? 1 : 0, r.dim ? 1 : 0, pair)
    }

    /// Wipes the screen and, where the terminal supports it, its scrollback.
    public func clear() {
        guard started, let w = cabinet_stdscr() else { return }
        _ = wclear(w)
        _ = wrefresh(w)
        // xterm, tmux, the Linux console: erase the saved lines too.
        // Plain write(2), errors ignored: after a hang-up the terminal is gone.
        _ = "\u{1B}[3J".withCString { Glibc.write(STDOUT_FILENO, $0, strlen($0)) }
        previous = nil
    }

    public func nextEvent(timeout: TimeInterval) -> InputEvent? {
        guard started, let w = cabinet_stdscr() else { return nil }
        wtimeout(w, Int32(max(0, min(timeout, 3600)) * 1000))
        var ch: UInt32 = 0
        let r = cabinet_get(w, &ch)
        if r == ERR { return nil }
        if r == cabinet_key_code_yes() { return Self.functionKey(Int32(ch)) }
        return Self.character(ch)
    }

    static func functionKey(_ code: Int32) -> InputEvent? {
        switch code {
        case KEY_RESIZE: return .resize(columns: Int(cabinet_cols()), rows: Int(cabinet_lines()))
        case KEY_UP: return .key(.up)
        case KEY_DOWN: return .key(.down)
        case KEY_LEFT: return .key(.left)
        case KEY_RIGHT: return .key(.right)
        case KEY_HOME: return .key(.home)
        case KEY_END: return .key(.end)
        case KEY_PPAGE: return .key(.pageUp)
        case KEY_NPAGE: return .key(.pageDown)
        case KEY_BTAB: return .key(.backTab)
        case KEY_BACKSPACE: return .key(.backspace)
        case KEY_DC: return .key(.delete)
        case KEY_IC: return .key(.insert)
        case KEY_ENTER: return .key(.enter)
        default:
            let f0 = cabinet_key_f(0)
            if code > f0 && code <= f0 + 24 { return .key(.function(Int(code - f0))) }
            return nil
        }
    }

    static func character(_ ch: UInt32) -> InputEvent? {
        switch ch {
        case 9: return .key(.tab)
        case 10, 13: return .key(.enter)
        case 27: return .key(.escape)
        case 8, 127: return .key(.backspace)
        case 1...26:
            return Key(controlCode: ch).map { .key($0) }
        default:
            guard let s = Unicode.Scalar(ch) else { return nil }
            return .key(.char(Character(s)))
        }
    }

    /// Restores the terminal (idempotent).
    /// Also understands the keys of the common terminals when `TERM` names
    /// another one (a Linux console's TERM over ssh from an xterm, tmux or
    /// screen under TERM=linux…): F1–F12, arrows, Home, End, as xterm and
    /// VT220 send them. Sequences the terminfo entry already defines keep
    /// their meaning.
    static func defineCommonKeys() {
        let f: [(String, Int32)] = [
            ("\u{1B}OP", 1), ("\u{1B}OQ", 2), ("\u{1B}OR", 3), ("\u{1B}OS", 4),
            ("\u{1B}[11~", 1), ("\u{1B}[12~", 2), ("\u{1B}[13~", 3), ("\u{1B}[14~", 4),
            ("\u{1B}[[A", 1), ("\u{1B}[[B", 2), ("\u{1B}[[C", 3), ("\u{1B}[[D", 4), ("\u{1B}[[E", 5),
            ("\u{1B}[15~", 5), ("\u{1B}[17~", 6), ("\u{1B}[18~", 7), ("\u{1B}[19~", 8),
            ("\u{1B}[20~", 9), ("\u{1B}[21~", 10), ("\u{1B}[23~", 11), ("\u{1B}[24~", 12),
        ]
        var all = f.map { ($0.0, cabinet_key_f($0.1)) }
        all += [("\u{1B}[A", KEY_UP), ("\u{1B}OA", KEY_UP), ("\u{1B}[B", KEY_DOWN), ("\u{1B}OB", KEY_DOWN),
                ("\u{1B}[C", KEY_RIGHT), ("\u{1B}OC", KEY_RIGHT), ("\u{1B}[D", KEY_LEFT), ("\u{1B}OD", KEY_LEFT),
                ("\u{1B}[H", KEY_HOME), ("\u{1B}OH", KEY_HOME), ("\u{1B}[1~", KEY_HOME), ("\u{1B}[7~", KEY_HOME),
                ("\u{1B}[F", KEY_END), ("\u{1B}OF", KEY_END), ("\u{1B}[4~", KEY_END), ("\u{1B}[8~", KEY_END),
                ("\u{1B}[3~", KEY_DC), ("\u{1B}[5~", KEY_PPAGE), ("\u{1B}[6~", KEY_NPAGE), ("\u{1B}[Z", KEY_BTAB)]
        for (seq, code) in all where key_defined(seq) == 0 {
            _ = define_key(seq, code)
        }
    }

    public func stop() {
        guard started else { return }
        started = false
        _ = endwin()
    }

    deinit { stop() }
}

/// Fatal signals (a Swift trap, a crash): the terminal is put back as it
/// was before curses started and `message` is written, then the signal ends
/// the process as it would have. Call once the screen is started.
public enum CrashGuard {
    public static func install(message: String) {
        message.withCString { cabinet_install_fatal_handlers($0) }
    }
}

/// Termination signals, turned into a flag the run loop polls: the handler
/// only sets it (async-signal-safe); the loop then locks the vault (keys
/// wiped, nothing half-written: no transaction is open while waiting for
/// input) and restores the terminal. A dropped ssh connection is a SIGHUP.
public enum Signals {
    nonisolated(unsafe) private static var received: sig_atomic_t = 0

    public static func install() {
        var set = sigset_t()
        sigemptyset(&set)
        for s in [SIGINT, SIGTERM, SIGHUP] {
            signal(s) { n in Signals.received = n }
            sigaddset(&set, s)
        }
        // A parent may have left them blocked: a hang-up must get through.
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    public static var termination: Bool { received != 0 }
    /// The signal that ended the session, if one did (the process then
    /// exits with 128 + its number, as a shell reports it).
    public static var endingSignal: Int32? { received == 0 ? nil : Int32(received) }
}
