import Foundation

/// One figure of `cabinet bench`: what was measured, its median and p99
/// (seconds), a ratio to its reference when there is one, and the target.
struct BenchFigure: Codable {
    let name: String
    /// "s" for durations, "ratio" for side-by-side ratios, "MB", "count".
    let unit: String
    let median: Double
    let p99: Double?
    /// The reference's median when measured side by side (A B A B…).
    let reference: Double?
    let target: String
    /// nil when the target is not a simple bound (information only).
    let met: Bool?
}

/// Wall-clock time, monotonic.
func benchNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func benchMedian(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    guard !s.isEmpty else { return 0 }
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// The 99th percentile (nearest rank).
func benchP99(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    guard !s.isEmpty else { return 0 }
    let rank = Int((0.99 * Double(s.count)).rounded(.up)) - 1
    return s[max(0, min(s.count - 1, rank))]
}
