import CabinetCore
import Foundation
import TerminalUI

// The backup screen (F6): what counts, where it goes, the list.

func drawBackup(_ state: AppState, _ c: Catalog, _ canvas: inout Canvas) {
    let s = state.backup
    let w = canvas.columns
    var y = 3
    canvas.put(c.text("module.backup"), x: 2, y: y, style: Style(.title, bold: true), maxWidth: w - 4)
    y += 2
    guard s.loaded else {
        canvas.put(c.text("backup.screen.loading"), x: 2, y: y, style: Style(.muted), maxWidth: w - 4)
        return
    }
    // What counts: the newest backup checked by restore, in red when none
    // or when the newest one failed.
    if let failed = s.failedSinceLastGood {
        for line in wrap(c.text("backup.screen.failed_banner", ["date": BackupWords.date(failed.createdAt)]), width: w - 4).prefix(3) {
            canvas.put(line, x: 2, y: y, style: Style(.error, bold: true), maxWidth: w - 4)
            y += 1
        }
    }
    if let good = s.newestVerified {
        let age = Int(state.now.timeIntervalSince(good.createdAt) / 3600)
        let text = c.text("backup.screen.last_good", ["date": BackupWords.date(good.createdAt),
                                                       "age": age < 48 ? c.text("backup.age.hours", ["n": String(max(0, age))])
                                                           : c.text("backup.age.days", ["n": String(age / 24)])])
        canvas.put(text, x: 2, y: y, style: Style(age < 36 ? .success : .warning, bold: true), maxWidth: w - 4)
    } else {
        canvas.put(c.text("backup.screen.none_good"), x: 2, y: y, style: Style(.error, bold: true), maxWidth: w - 4)
    }
    y += 1
    if let folder = s.destination {
        let free = s.free.map { c.text("backup.screen.free", ["free": ByteCount.words($0, c)]) } ?? c.text("backup.screen.absent")
        canvas.put(c.text("backup.screen.destination", ["folder": folder, "free": free]), x: 2, y: y,
                   style: Style(s.free == nil ? .warning : .normal), maxWidth: w - 4)
    } else {
        canvas.put(c.text("backup.screen.no_destination"), x: 2, y: y, style: Style(.warning), maxWidth: w - 4)
    }
    y += 2
    if let form = s.editing {
        canvas.put(c.text("backup.screen.folder_intro"), x: 2, y: y, style: Style(.muted), maxWidth: w - 4)
        y += 1
        y = drawForm(form, in: Rect(x: 2, y: y, width: w - 4, height: 1), labelWidth: 12, c, &canvas) + 1
        drawMessage(form, x: 2, y: y, width: w - 4, lines: 5, c, &canvas)
        return
    }
    // The list: date, state, size, file.
    // Room under the list for a message naming a file (4 lines at 80×24).
    let listBottom = canvas.rows - 7
    if s.records.isEmpty {
        canvas.put(c.text("backup.none"), x: 2, y: y, style: Style(.muted), maxWidth: w - 4)
        y += 1
    } else {
        let header = pad(c.text("backup.col.date"), 17) + pad(c.text("backup.col.state"), 26) + pad(c.text("backup.col.size"), 10)
            + c.text("backup.col.file")
        canvas.put(header, x: 2, y: y, style: Style(.muted, bold: true), maxWidth: w - 4)
        y += 1
        let visible = max(1, listBottom - y)
        let first = max(0, min(s.selected - visible + 1, s.records.count - visible))
        for (i, r) in s.records.enumerated().dropFirst(first).prefix(visible) {
            let stateStyle: Style = r.state == .verified ? Style(.success) : r.state == .failed ? Style(.error, bold: true) : Style(.warning)
            let selected = i == s.selected
            if selected { canvas.fill(Rect(x: 1, y: y, width: w - 2, height: 1), style: Style(.selection)) }
            var x = 2
            x += canvas.put(pad(BackupWords.date(r.createdAt), 17), x: x, y: y, style: selected ? Style(.selection) : .normal)
            x += canvas.put(pad(c.text("backup.state.\(r.state.rawValue)"), 26), x: x, y: y,
                            style: selected ? Style(.selection, bold: true) : stateStyle)
            x += canvas.put(pad(ByteCount.words(r.bytes, c), 10), x: x, y: y, style: selected ? Style(.selection) : .normal)
            canvas.put(r.fileName, x: x, y: y, style: selected ? Style(.selection) : Style(.muted), maxWidth: max(0, w - x - 2))
            y += 1
        }
    }
    y = max(y + 1, listBottom)
    if let m = s.message, y < canvas.rows - 2 {
        let style = s.messageIsError ? Style(.error, bold: true) : Style(.success)
        for line in wrap(c.notice(m, s.messageArgs, s.failure), width: w - 4).prefix(max(1, canvas.rows - 2 - y)) {
            canvas.put(line, x: 2, y: y, style: style, maxWidth: w - 4)
            y += 1
        }
    }
}

private func pad(_ s: String, _ width: Int) -> String {
    let d = DisplayWidth.of(s)
    return d >= width ? s + " " : s + String(repeating: " ", count: width - d)
}

/// The title bar's notice when the last verified backup is older than the
/// last working day (nil: on time, not known yet, or not this role's).
func lateBackupNotice(_ state: AppState, _ c: Catalog) -> String? {
    guard let session = state.session, AccessPolicy.allows(session.role, .runBackup), state.backup.loaded,
          case .main = state.route else { return nil }
    let last = state.backup.newestVerified?.createdAt
    guard BackupRules.isOverdue(lastVerified: last, now: state.now) else { return nil }
    guard let last else { return c.text("backup.banner.none") }
    return c.text("backup.banner.late", ["date": BackupWords.day(last)])
}
