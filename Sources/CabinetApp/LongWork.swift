import CabinetCore
import Foundation
import TerminalUI

/// Work that takes seconds to minutes (the demonstration cabinet, a
/// re-key; backups, restores, retention runs and imports next): run by the
/// runner's worker thread while the screen stays alive — progress drawn,
/// resizes followed. It is never interrupted half-way: a lock, a quit, the
/// inactivity delay or a signal arriving meanwhile is said on screen and
/// carried out as soon as the work ends, the vault then consistent.
public struct LongWork: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case demo, rekey, backup, verifyBackup

        /// Work measured in per mille of the whole (no unit worth naming).
        var inPerMille: Bool { self == .backup || self == .verifyBackup }
    }

    public let kind: Kind
    public let startedAt: Date
    public var done: Int64 = 0
    public var total: Int64 = 0
    /// The step under way (a catalogue key), for work made of steps.
    public var step: String?
    /// The lock asked for meanwhile (F12, Ctrl-Q, the inactivity delay).
    public var lockAsked = false
    /// Quitting asked for meanwhile (F10, Ctrl-C, a signal).
    public var quitAsked = false

    public init(kind: Kind, startedAt: Date) {
        self.kind = kind
        self.startedAt = startedAt
    }

    /// Seconds left, from the pace so far; nil before there is a pace.
    public func secondsLeft(now: Date) -> Int? {
        guard done > 0, total > done else { return nil }
        let elapsed = now.timeIntervalSince(startedAt)
        guard elapsed > 0.5 else { return nil }
        return Int((elapsed / Double(done) * Double(total - done)).rounded(.up))
    }
}

/// Keys while long work runs: the lock and quit keys are noted and said,
/// every other key waits (nothing else may touch the vault meanwhile).
func handleDuringWork(_ key: Key, _ state: inout AppState) -> [AppEffect] {
    guard var work = state.work else { return [] }
    switch key {
    case .function(12), .ctrl("q"):
        // Nothing to lock before anyone signed in.
        if state.session != nil { work.lockAsked = true }
    case .function(10), .ctrl("c"):
        work.quitAsked = true
    default:
        break
    }
    state.work = work
    return []
}

/// The end of long work: what was asked meanwhile is done now.
func endWork(_ state: inout AppState) -> [AppEffect] {
    guard let work = state.work else { return [] }
    state.work = nil
    if work.quitAsked {
        // As after a signal: what was typed is kept, the vault locked.
        var effects = state.session != nil ? lock(&state) : []
        state.quit = true
        effects.append(.quit)
        return effects
    }
    if work.lockAsked, state.session != nil { return lock(&state) }
    return []
}

/// The progress window, over whatever screen is shown: what is being done,
/// a bar, the count, the time left, and what will follow.
func drawWork(_ work: LongWork, now: Date, _ c: Catalog, _ canvas: inout Canvas) {
    let w = min(64, canvas.columns - 4)
    guard w > 10 else { return }
    let inner = w - 4
    var lines: [(String, Style)] = []
    lines.append((c.text("work.\(work.kind.rawValue)"), Style(.title, bold: true)))
    if let step = work.step { lines.append((c.text(step), .normal)) }
    let fraction = work.total > 0 ? min(1, Double(work.done) / Double(work.total)) : 0
    let filled = Int((Double(inner) * fraction).rounded(.down))
    lines.append((String(repeating: "█", count: filled) + String(repeating: "░", count: inner - filled), Style(.success)))
    var figures = work.total > 0 && work.kind.inPerMille
        ? c.text("work.percent", ["percent": String(Int((fraction * 100).rounded(.down)))])
        : work.total > 0
        ? c.text("work.count", ["done": LongWork.grouped(work.done), "total": LongWork.grouped(work.total),
                                "unit": c.text("work.unit.\(work.kind.rawValue)"),
                                "percent": String(Int((fraction * 100).rounded(.down)))])
        : c.text("work.starting")
    if let left = work.secondsLeft(now: now) {
        figures += " · " + c.text("work.left", ["time": left >= 60 ? "\(left / 60) min \(left % 60) s" : "\(left) s"])
    }
    lines.append((figures, .normal))
    let after = work.quitAsked ? "work.quit_after" : work.lockAsked ? "work.lock_after" : "work.wait"
    for l in wrap(c.text(after), width: inner) { lines.append((l, Style(work.quitAsked || work.lockAsked ? .warning : .muted))) }
    let h = lines.count + 2
    let x0 = (canvas.columns - w) / 2, y0 = max(1, (canvas.rows - h) / 2)
    canvas.fill(Rect(x: x0, y: y0, width: w, height: h), style: .normal)
    canvas.box(Rect(x: x0, y: y0, width: w, height: h), style: Style(.border))
    for (i, (text, style)) in lines.enumerated() {
        canvas.put(text, x: x0 + 2, y: y0 + 1 + i, style: style, maxWidth: inner)
    }
}

extension LongWork {
    /// 50000 → "50 000" (the French thin grouping; a plain space here).
    static func grouped(_ n: Int64) -> String {
        let digits = Array(String(n))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(" ") }
            out.append(d)
        }
        return out
    }
}

/// Actions posted by the worker thread, read by the run loop.
final class WorkInbox: @unchecked Sendable {
    private let lock = NSLock()
    private var actions: [AppAction] = []

    func post(_ action: AppAction) {
        lock.lock()
        defer { lock.unlock() }
        // Progress replaces the progress not yet read: the loop draws the latest.
        if case .workProgress = action, case .workProgress? = actions.last { actions.removeLast() }
        actions.append(action)
    }

    func take() -> [AppAction] {
        lock.lock()
        defer { lock.unlock() }
        let out = actions
        actions = []
        return out
    }
}
