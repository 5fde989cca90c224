/// A one-line chart of a series, one character per value.
enum Sparkline {
    static let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    /// For terminals without UTF-8: low to high.
    static let asciiLevels: [Character] = ["_", ".", "-", "=", "^"]

    /// The last `width` values scaled between their minimum and maximum onto
    /// block heights (or ASCII marks); a flat series is drawn at mid height,
    /// a value that is not a number (NaN, infinite) as a space. Empty input
    /// or no width gives "".
    static func render(_ values: [Double], width: Int, ascii: Bool = false) -> String {
        guard width > 0, !values.isEmpty else { return "" }
        let levels = ascii ? asciiLevels : blocks
        let shown = values.suffix(width)
        let finite = shown.filter(\.isFinite)
        guard let low = finite.min(), let high = finite.max() else {
            return String(repeating: " ", count: shown.count)
        }
        let top = levels.count - 1
        // Halves, so that the extremes of Double don't overflow to infinity.
        let range = high / 2 - low / 2
        return String(shown.map { value -> Character in
            guard value.isFinite else { return " " }
            guard range > 0 else { return levels[top / 2] }
            let level = Int(((value / 2 - low / 2) / range * Double(top)).rounded())
            return levels[min(max(0, level), top)]
        })
    }
}
