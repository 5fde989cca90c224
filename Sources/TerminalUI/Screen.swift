/// The terminal-independent screen model (cells, styles, canvas, keys).
///
/// Foundation stage: only the protocol a backend implements. The full model
/// (display widths, semantic styles, the in-memory screen for snapshot tests)
/// arrives with the terminal-interface issue.
public protocol Screen: AnyObject {
    /// Size in columns and rows.
    var size: (columns: Int, rows: Int) { get }
    /// Clears everything, including what a terminal keeps in scrollback.
    func clear()
}
