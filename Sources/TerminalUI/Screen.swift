import Foundation

/// What a terminal backend provides: a size, frames, a wipe and events.
///
/// The app never sees the terminal itself: it renders a `Canvas` from its
/// state and hands it over. `InMemoryScreen` is the test double;
/// `TerminalUINcurses.NcursesScreen` the real one.
public protocol Screen: AnyObject {
    /// Current size in columns and rows.
    var size: (columns: Int, rows: Int) { get }
    /// Shows `canvas` as the next frame, drawing only the cells that changed
    /// where the backend can (`Canvas.diff(from:)`).
    func present(_ canvas: Canvas)
    /// Wipes everything, including what the terminal keeps in scrollback
    /// where it can: the lock relies on nothing readable remaining.
    func clear()
    /// The next event, waiting at most `timeout` seconds; nil on timeout.
    func nextEvent(timeout: TimeInterval) -> InputEvent?
}

/// A screen in memory for tests: records every frame, plays scripted events.
///
/// `nextEvent` never waits: it returns the next queued event, or nil (a
/// timeout) when the queue is empty, so a test drives the clock itself.
public final class InMemoryScreen: Screen {
    /// Current size; `resize` changes it.
    public private(set) var size: (columns: Int, rows: Int)
    /// Every frame presented, oldest first. `clear()` adds a blank one, as a
    /// cleared terminal shows nothing.
    public private(set) var frames: [Canvas] = []
    /// Number of `clear()` calls.
    public private(set) var clearCount = 0
    /// The timeouts passed to `nextEvent`, oldest first.
    public private(set) var requestedTimeouts: [TimeInterval] = []
    private var queue: [InputEvent] = []
    private var head = 0

    /// A screen of the given size (80×24 by default, the size every view must
    /// work at).
    public init(columns: Int = 80, rows: Int = 24) {
        size = (columns, rows)
    }

    /// What the terminal shows now: the last frame.
    public var current: Canvas? { frames.last }

    /// Forgets the frames kept so far but the last (long runs, benchmarks).
    public func dropFrames() {
        if let last = frames.last { frames = [last] }
    }

    /// The text of the last frame, rows joined by newlines ("" before any).
    public var text: String { current?.lines().joined(separator: "\n") ?? "" }

    /// Events queued and not yet read.
    public var pendingEvents: [InputEvent] { Array(queue[head...]) }

    public func present(_ canvas: Canvas) {
        frames.append(canvas)
    }

    public func clear() {
        clearCount += 1
        frames.append(Canvas(columns: size.columns, rows: size.rows))
    }

    public func nextEvent(timeout: TimeInterval) -> InputEvent? {
        requestedTimeouts.append(timeout)
        guard head < queue.count else { return nil }
        let event = queue[head]
        head += 1
        // Drop what was read once the queue is drained, so long scripts
        // don't keep every event alive.
        if head == queue.count {
            queue.removeAll(keepingCapacity: true)
            head = 0
        }
        return event
    }

    /// Queues events for `nextEvent`, in order.
    public func enqueue(_ events: [InputEvent]) {
        queue.append(contentsOf: events)
    }

    /// Queues key presses, in order.
    public func press(_ keys: Key...) {
        enqueue(keys.map { .key($0) })
    }

    /// Queues each character of `text` as `.key(.char)`. Newlines and tabs
    /// are characters too: queue `.enter` or `.tab` with `press` for the keys.
    public func type(_ text: String) {
        enqueue(text.map { .key(.char($0)) })
    }

    /// Changes the size at once and queues the `.resize` event a terminal
    /// would send.
    public func resize(columns: Int, rows: Int) {
        size = (columns, rows)
        enqueue([.resize(columns: columns, rows: rows)])
    }
}
