import CNcursesw
import TerminalUI

/// The ncurses backend (wide-character ncursesw). Foundation stage: wiring
/// only; the terminal-interface issue fills it in.
public final class NcursesScreen: Screen {
    public init() {}
    public var size: (columns: Int, rows: Int) {
        guard let w = cabinet_stdscr() else { return (80, 24) }
        return (Int(getmaxx(w)), Int(getmaxy(w)))
    }
    public func clear() { _ = erase() }
}
