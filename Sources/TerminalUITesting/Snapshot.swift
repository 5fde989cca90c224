import Foundation
import TerminalUI

/// Text snapshots of rendered canvases, stored next to the tests.
///
/// A snapshot is plain text (the screen as a user reads it, never escape
/// bytes), so a review shows exactly what changed on screen. Re-record with
/// `CABINET_RECORD_SNAPSHOTS=1 swift test …` and review the diff.
public enum Snapshot {
    /// The environment variable that re-records every snapshot verified.
    public static let recordVariable = "CABINET_RECORD_SNAPSHOTS"

    /// Compares `canvas` with `<dir>/__Snapshots__/<name>.txt`, where `<dir>`
    /// is the folder of the calling test file.
    ///
    /// The text is compared, and the style roles too when `styles` is true.
    /// When the file is missing, or `CABINET_RECORD_SNAPSHOTS=1`, the file is
    /// written and a message saying so is returned: a recording is a failure,
    /// so a test never passes against a snapshot nobody has looked at.
    ///
    /// - Returns: nil when the canvas matches; otherwise a readable message
    ///   with the first differing line in both versions.
    public static func verify(_ canvas: Canvas, named name: String, styles: Bool = false,
                              filePath: String = #filePath) -> String? {
        let url = fileURL(named: name, filePath: filePath)
        let actual = render(canvas, styles: styles)
        let recording = ProcessInfo.processInfo.environment[recordVariable] == "1"
        let stored: String?
        if recording || !FileManager.default.fileExists(atPath: url.path) {
            stored = nil
        } else {
            guard let data = FileManager.default.contents(atPath: url.path),
                  let text = String(data: data, encoding: .utf8) else {
                return "Snapshot \"\(name)\": cannot read \(url.path) as UTF-8."
            }
            stored = text
        }
        guard let expected = stored else {
            do {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(),
                                                        withIntermediateDirectories: true)
                try Data(actual.utf8).write(to: url, options: .atomic)
            } catch {
                return "Snapshot \"\(name)\": cannot record \(url.path): \(error)"
            }
            return "Snapshot \"\(name)\" recorded at \(url.path); check it, then run the test again."
        }
        if expected == actual { return nil }
        return difference(expected: expected, actual: actual, name: name, path: url.path)
    }

    /// The file contents for `canvas`: its text lines; with `styles`, a line
    /// "--- styles ---" and the style lines; each line ends with a newline.
    ///
    /// Lines keep their trailing spaces (every line is `columns` wide), so the
    /// file says exactly what is on screen, and the same canvas always gives
    /// the same bytes.
    public static func render(_ canvas: Canvas, styles: Bool = false) -> String {
        var lines = canvas.lines()
        if styles {
            lines.append(styleSeparator)
            lines += (0..<canvas.rows).map(canvas.styleLine)
        }
        return lines.map { $0 + "\n" }.joined()
    }

    /// Where the snapshot `name` of a test file lives.
    public static func fileURL(named name: String, filePath: String = #filePath) -> URL {
        // A name is one file: no path separators sneaking the file elsewhere.
        let safe = String(name.map { $0 == "/" || $0 == "\\" ? "_" : $0 })
        return URL(fileURLWithPath: filePath)
            .deletingLastPathComponent()
            .appendingPathComponent("__Snapshots__")
            .appendingPathComponent(safe + ".txt")
    }

    static let styleSeparator = "--- styles ---"

    /// A message naming the first line that differs, with both versions
    /// between bars so trailing spaces show.
    static func difference(expected: String, actual: String, name: String, path: String) -> String {
        func lines(_ text: String) -> [String] {
            // The final newline ends the last line; it doesn't start another.
            let body = text.hasSuffix("\n") ? String(text.dropLast()) : text
            return body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        }
        let old = lines(expected), new = lines(actual)
        var index = 0
        while index < old.count, index < new.count, old[index] == new[index] { index += 1 }
        let before = index < old.count ? "|\(old[index])|" : "(no line)"
        let after = index < new.count ? "|\(new[index])|" : "(no line)"
        // Say whether the line is screen text or style letters, and which row.
        let separatorAt = old.firstIndex(of: styleSeparator) ?? new.firstIndex(of: styleSeparator)
        let place: String
        if let separatorAt, index > separatorAt {
            place = "styles of row \(index - separatorAt)"
        } else if let separatorAt, index == separatorAt {
            place = "styles separator"
        } else {
            place = "row \(index + 1)"
        }
        return """
            Snapshot "\(name)" differs at line \(index + 1) (\(place)) of \(path)
              expected: \(before)
              actual:   \(after)
            Re-record with \(recordVariable)=1 if the change is intended.
            """
    }
}
