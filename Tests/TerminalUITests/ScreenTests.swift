import Testing
import TerminalUI

@Suite("In-memory screen and keys")
struct ScreenTests {
    @Test func eventsComeOutInOrderThenTimeOut() {
        let screen = InMemoryScreen()
        #expect(screen.size == (80, 24))
        #expect(screen.nextEvent(timeout: 0.5) == nil)
        screen.type("é漢")
        screen.press(.enter, .ctrl("l"))
        screen.enqueue([.paste("Dupont"), .tick])
        screen.resize(columns: 120, rows: 40)
        #expect(screen.size == (120, 40))  // at once, before the event is read
        #expect(screen.pendingEvents.count == 7)
        var seen: [InputEvent] = []
        while let event = screen.nextEvent(timeout: 1) { seen.append(event) }
        #expect(seen == [
            .key(.char("é")), .key(.char("漢")), .key(.enter), .key(.ctrl("l")),
            .paste("Dupont"), .tick, .resize(columns: 120, rows: 40),
        ])
        #expect(screen.pendingEvents.isEmpty)
        #expect(screen.requestedTimeouts == [0.5] + Array(repeating: 1, count: 8))
        // The queue works again after being drained.
        screen.press(.escape)
        #expect(screen.nextEvent(timeout: 0) == .key(.escape))
    }

    @Test func typeKeepsClustersWhole() {
        let screen = InMemoryScreen()
        screen.type("e\u{301}a")
        #expect(screen.pendingEvents == [.key(.char("e\u{301}")), .key(.char("a"))])
    }

    @Test func framesAreRecorded() {
        let screen: InMemoryScreen = InMemoryScreen(columns: 10, rows: 2)
        #expect(screen.current == nil)
        #expect(screen.text == "")
        var first = Canvas(columns: 10, rows: 2)
        first.put("Agenda", x: 0, y: 0)
        var second = first
        second.put("Patients", x: 0, y: 1)
        let asProtocol: any Screen = screen
        asProtocol.present(first)
        asProtocol.present(second)
        #expect(screen.frames == [first, second])
        #expect(screen.current == second)
        #expect(screen.text == "Agenda    \nPatients  ")
    }

    @Test func clearLeavesNothingReadable() {
        let screen = InMemoryScreen(columns: 10, rows: 2)
        var canvas = Canvas(columns: 10, rows: 2)
        canvas.put("Dupont", x: 0, y: 0)
        screen.present(canvas)
        screen.clear()
        #expect(screen.clearCount == 1)
        #expect(!screen.text.contains("Dupont"))
        #expect(screen.current == Canvas(columns: 10, rows: 2))
        #expect(screen.frames.count == 2)
    }

    @Test("Control codes", arguments: [
        (0x0C, Key.ctrl("l")), (0x01, .ctrl("a")), (0x1A, .ctrl("z")),
        (0x09, .tab), (0x0D, .enter), (0x0A, .enter),
        (0x7F, .backspace), (0x08, .backspace), (0x1B, .escape),
    ] as [(UInt32, Key)])
    func controlCodes(_ code: UInt32, _ key: Key) {
        #expect(Key(controlCode: code) == key)
    }

    @Test func nonControlCodesAreNotKeys() {
        #expect(Key(controlCode: 0x00) == nil)
        #expect(Key(controlCode: 0x1C) == nil)
        #expect(Key(controlCode: 0x41) == nil)
    }
}
