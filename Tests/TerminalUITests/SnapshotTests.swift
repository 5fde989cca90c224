import Foundation
import Testing
import TerminalUI
import TerminalUITesting

/// Runs the snapshot machinery in a temporary folder, so tests never write
/// into the repository. Disabled while re-recording: every verification is a
/// failure then, by design.
@Suite("Snapshots", .disabled(if: ProcessInfo.processInfo.environment[Snapshot.recordVariable] == "1"))
struct SnapshotTests {
    let directory: URL
    /// A pretend test file inside the temporary folder.
    let testFile: String

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("cabinet-snapshots-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        testFile = directory.appendingPathComponent("FakeTests.swift").path
    }

    func sample() -> Canvas {
        var canvas = Canvas(columns: 12, rows: 4)
        canvas.box(Rect(x: 0, y: 0, width: 12, height: 4), style: Style(.border))
        canvas.put("Élève", x: 2, y: 1, style: Style(.title))
        canvas.put("漢 🩺", x: 2, y: 2, style: Style(.clinical))
        return canvas
    }

    @Test func renderFormat() {
        var canvas = Canvas(columns: 3, rows: 2)
        canvas.put("ab", x: 0, y: 0, style: Style(.title))
        #expect(Snapshot.render(canvas) == "ab \n   \n")
        #expect(Snapshot.render(canvas, styles: true) == "ab \n   \n--- styles ---\nTT \n   \n")
    }

    @Test func recordThenVerify() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let canvas = sample()
        let url = Snapshot.fileURL(named: "sample", filePath: testFile)
        #expect(url.path == directory.path + "/__Snapshots__/sample.txt")

        let recorded = try #require(Snapshot.verify(canvas, named: "sample", styles: true, filePath: testFile))
        #expect(recorded.contains("recorded"))
        let data = try #require(FileManager.default.contents(atPath: url.path))
        let stored = String(decoding: data, as: UTF8.self)
        #expect(stored == """
            ┌──────────┐
            │ Élève    │
            │ 漢 🩺    │
            └──────────┘
            --- styles ---
            bbbbbbbbbbbb
            b TTTTT    b
            b CCCCC    b
            bbbbbbbbbbbb

            """)

        #expect(Snapshot.verify(canvas, named: "sample", styles: true, filePath: testFile) == nil)
        // Recording is deterministic: the same canvas gives the same bytes.
        #expect(Snapshot.render(canvas, styles: true) == stored)
    }

    @Test func changedTextNamesTheLine() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let canvas = sample()
        _ = Snapshot.verify(canvas, named: "sample", filePath: testFile)
        var changed = canvas
        changed.put("Elise", x: 2, y: 1, style: Style(.title))
        let message = try #require(Snapshot.verify(changed, named: "sample", filePath: testFile))
        #expect(message.contains("line 2"))
        #expect(message.contains("|│ Élève    │|"))
        #expect(message.contains("|│ Elise    │|"))
    }

    @Test func changedStyleNamesTheStyleRow() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let canvas = sample()
        _ = Snapshot.verify(canvas, named: "sample", styles: true, filePath: testFile)
        var changed = canvas
        changed.put("Élève", x: 2, y: 1, style: Style(.warning))
        let message = try #require(Snapshot.verify(changed, named: "sample", styles: true, filePath: testFile))
        #expect(message.contains("line 7 (styles of row 2)"))
        // Text-only verification doesn't see a style change.
        _ = Snapshot.verify(canvas, named: "text-only", filePath: testFile)
        #expect(Snapshot.verify(changed, named: "text-only", filePath: testFile) == nil)
    }

    @Test func aSizeChangeIsReported() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = Snapshot.verify(Canvas(columns: 3, rows: 2), named: "size", filePath: testFile)
        let message = try #require(Snapshot.verify(Canvas(columns: 3, rows: 3), named: "size", filePath: testFile))
        #expect(message.contains("line 3"))
        #expect(message.contains("(no line)"))
    }
}
