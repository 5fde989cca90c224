import CabinetCore
import Foundation
import TerminalUI

/// Draws the whole interface from the state: a pure function.
public func render(_ state: AppState, catalog c: Catalog) -> Canvas {
    var canvas = Canvas(columns: max(state.columns, 20), rows: max(state.rows, 6))
    let w = canvas.columns, h = canvas.rows
    // Title bar.
    canvas.fill(Rect(x: 0, y: 0, width: w, height: 1), style: Style(.title, reverse: true))
    var title = c.text("app.title")
    if let p = state.practiceName { title += " — " + p }
    canvas.put(" " + title, x: 0, y: 0, style: Style(.title, bold: true, reverse: true), maxWidth: w)
    var right = w
    if state.isDemo {
        let demo = " " + c.text("app.demo") + " "
        right -= DisplayWidth.of(demo)
        canvas.put(demo, x: right, y: 0, style: Style(.demoBanner, bold: true))
    }
    // A late backup, on every screen (docs/BACKUP.md).
    if let late = lateBackupNotice(state, c) {
        let text = " " + late + " "
        let x = max(DisplayWidth.of(" " + title) + 2, right - DisplayWidth.of(text) - 1)
        canvas.put(text, x: x, y: 0, style: Style(.error, bold: true), maxWidth: max(0, right - x))
    }
    switch state.route {
    case .setup:
        drawSetup(state, c, &canvas)
    case .signIn:
        drawSignIn(state, c, &canvas)
    case .changePassphrase:
        drawChange(state, c, &canvas)
    case .main(let module):
        drawTabs(module, state, c, &canvas)
        if module == .admin {
            drawAdmin(state, c, &canvas)
        } else if module == .patients {
            drawPatients(state, c, &canvas)
        } else if module == .agenda {
            drawAgenda(state, c, &canvas)
        } else if module == .backup {
            drawBackup(state, c, &canvas)
        } else {
            drawPlaceholder(module, c, &canvas)
        }
    case .help(let back):
        drawTabs(back, state, c, &canvas)
        drawHelp(state, c, &canvas)
    }
    if let work = state.work { drawWork(work, now: state.now, c, &canvas) }
    drawStatus(state, c, &canvas, y: h - 2)
    drawKeyBar(state, c, &canvas, y: h - 1)
    return canvas
}

private func drawTabs(_ current: Module, _ state: AppState, _ c: Catalog, _ canvas: inout Canvas) {
    let commands = Module.allCases.map { m in AppCommands.all.first { $0.id == "module.\(m.rawValue)" } }
    let withKeys = Module.allCases.enumerated().map { i, m in
        (commands[i].map { $0.keyLabel(c) + " " } ?? "") + c.text(m.titleKey)
    }
    // At 80 columns the F-keys stay, with short titles; narrower, the
    // short titles alone.
    let shortWithKeys = Module.allCases.enumerated().map { i, m in
        (commands[i].map { $0.keyLabel(c) + " " } ?? "") + c.text("module.short.\(m.rawValue)")
    }
    let plain = Module.allCases.map { c.text("module.short.\($0.rawValue)") }
    func width(_ labels: [String]) -> Int { labels.reduce(0) { $0 + DisplayWidth.of($1) + 3 } }
    let labels = width(withKeys) <= canvas.columns - 1 ? withKeys
        : width(shortWithKeys) <= canvas.columns - 1 ? shortWithKeys : plain
    var x = 1
    for (i, m) in Module.allCases.enumerated() {
        let label = " " + labels[i] + " "
        let allowed = commands[i]?.isAvailable(to: state.session?.role) ?? true
        let style: Style = m == current ? Style(.selection, bold: true) : Style(allowed ? .normal : .disabled)
        x += canvas.put(label, x: x, y: 1, style: style) + 1
    }
}

private func drawPlaceholder(_ module: Module, _ c: Catalog, _ canvas: inout Canvas) {
    let w = canvas.columns
    canvas.put(c.text(module.titleKey), x: 2, y: 3, style: Style(.title, bold: true))
    canvas.put(c.text("placeholder.soon"), x: 2, y: 5, style: Style(.muted), maxWidth: w - 4)
    var y = 7
    for paragraph in c.text("placeholder.\(module.rawValue)").split(separator: "\n") {
        let indent = paragraph.prefix { $0 == " " }.count
        for line in wrap(String(paragraph), width: w - 4 - indent) where y < canvas.rows - 3 {
            canvas.put(String(repeating: " ", count: indent) + line, x: 2, y: y, style: .normal, maxWidth: w - 4)
            y += 1
        }
    }
}

private func drawSignIn(_ state: AppState, _ c: Catalog, _ canvas: inout Canvas) {
    let w = canvas.columns
    let boxWidth = min(64, w - 4)
    let inner = boxWidth - 4
    let f = state.form
    let notice = wrap(c.text("signin.notice"), width: inner)
    let message = Array((f.message.map { wrap(c.notice($0, f.messageArgs, f.failure), width: inner) } ?? []).prefix(6))
    let messageRows = max(2, message.count)
    let fields = f.needsTOTP ? 3 : 2
    // Border, blank, fields, blank, message (whole, 2 lines at least), blank, notice, border.
    let height = 2 + 1 + fields + 1 + messageRows + 1 + notice.count
    let x0 = (w - boxWidth) / 2
    let y0 = max(2, (canvas.rows - 2 - height) / 2)
    canvas.box(Rect(x: x0, y: y0, width: boxWidth, height: height), style: Style(.border))
    let heading = state.lockedBy != nil ? c.text("signin.locked_title") : c.text("signin.title")
    canvas.put(" " + heading + " ", x: x0 + 2, y: y0, style: Style(.title, bold: true))
    let labelWidth = 16
    // The focused field is the one that shows it: its label in bold, the
    // cursor drawn where the next character goes, and the pointer after it.
    func field(_ label: String, _ value: String, _ row: Int, _ focused: Bool, cursor: Int? = nil) {
        canvas.put(label, x: x0 + 2, y: y0 + row, style: Style(.normal, bold: focused), maxWidth: labelWidth)
        let fx = x0 + 2 + labelWidth, fw = inner - labelWidth - 1
        canvas.fill(Rect(x: fx, y: y0 + row, width: fw, height: 1), style: Style(.input, underline: true))
        let chars = Array(value)
        let at = min(max(cursor ?? chars.count, 0), chars.count)
        let start = max(0, at - (fw - 1))
        canvas.put(String(chars[start...]), x: fx, y: y0 + row, style: Style(.input, bold: focused, underline: true), maxWidth: fw)
        if focused {
            let cx = fx + DisplayWidth.of(String(chars[start..<at]))
            let under = at < chars.count ? String(chars[at]) : " "
            if cx < fx + fw { canvas.put(under, x: cx, y: y0 + row, style: Style(.input, reverse: true)) }
            canvas.put("◂", x: fx + fw, y: y0 + row, style: Style(.keyHint))
        }
    }
    field(c.text("signin.login"), f.login, 2, f.focus == .login, cursor: f.loginField.cursor)
    // The passphrase is never drawn, not even its length.
    let typed = c.text("signin.typed")
    field(c.text("signin.passphrase"), f.passphrase.isEmpty ? "" : typed, 3, f.focus == .passphrase,
          cursor: f.passphrase.isEmpty ? 0 : typed.count)
    if f.needsTOTP { field(c.text("signin.totp"), f.totp, 4, f.focus == .totp) }
    var y = y0 + 2 + fields + 1
    let style: Style = f.message == "signin.error" ? Style(.error, bold: true) : Style(.warning)
    for line in message {
        canvas.put(line, x: x0 + 2, y: y, style: style, maxWidth: inner)
        y += 1
    }
    // Users are told that access is logged (../shared/seeds/002 §10).
    y = y0 + 2 + fields + 1 + messageRows + 1
    for line in notice {
        canvas.put(line, x: x0 + 2, y: y, style: Style(.muted), maxWidth: inner)
        y += 1
    }
    if state.isDemo, state.demoAccounts.count >= 2 {
        let d = state.demoAccounts[0], s = state.demoAccounts[1]
        let hint = c.text("demo.hint", ["doctor": d.login, "doctorPass": d.passphrase,
                                        "secretary": s.login, "secretaryPass": s.passphrase])
        var hy = y0 + height + 1
        for line in wrap(hint, width: boxWidth) where hy < canvas.rows - 2 {
            canvas.put(line, x: x0, y: hy, style: Style(.demoBanner, bold: true), maxWidth: boxWidth)
            hy += 1
        }
    }
}

private func drawHelp(_ state: AppState, _ c: Catalog, _ canvas: inout Canvas) {
    canvas.put(c.text("help.title"), x: 2, y: 3, style: Style(.title, bold: true))
    // The lines of the help: group headings and entries, then scrolled.
    // The keys' column fits the widest key name ("Pg préc Pg suiv");
    // the text wraps under itself, never cut.
    let entries = AppCommands.helpEntries(c)
    let keysWidth = min(22, (entries.map { DisplayWidth.of($0.keys) }.max() ?? 12) + 2)
    let textX = 4 + keysWidth, textWidth = max(10, canvas.columns - textX - 2)
    var lines: [(text: String, keys: String?, available: Bool)] = []
    for entry in entries {
        if let group = entry.groupHeader { lines.append((c.text(group), nil, true)) }
        let available = entry.command.isAvailable(to: state.session?.role)
        var text = c.text(entry.command.helpKey)
        if !available, let p = entry.command.privilege {
            text += " — " + c.text("reason.\(p.rawValue)")
        }
        for (i, part) in wrap(text, width: textWidth).enumerated() {
            lines.append((part, i == 0 ? entry.keys : "", available))
        }
    }
    let room = max(1, canvas.rows - 2 - 5)
    let offset = min(state.helpOffset, max(0, lines.count - room))
    var y = 4
    for line in lines.dropFirst(offset).prefix(room) {
        if let keys = line.keys {
            canvas.put(keys, x: 4, y: y, style: Style(.keyHint, bold: true), maxWidth: keysWidth - 1)
            canvas.put(line.text, x: textX, y: y, style: Style(line.available ? .normal : .disabled), maxWidth: textWidth)
        } else {
            canvas.put(line.text, x: 2, y: y, style: Style(.title))
        }
        y += 1
    }
    let more = offset + room < lines.count
    if offset > 0 || more {
        let text = c.text(more ? "help.more" : "help.top", ["from": String(offset + 1), "to": String(min(lines.count, offset + room)),
                                                            "count": String(lines.count)])
        canvas.put(text, x: 2, y: canvas.rows - 3, style: Style(.muted), maxWidth: canvas.columns - 4)
    }
}

private func drawStatus(_ state: AppState, _ c: Catalog, _ canvas: inout Canvas, y: Int) {
    canvas.fill(Rect(x: 0, y: y, width: canvas.columns, height: 1), style: Style(.statusBar, reverse: true))
    var left = " " + PracticeClock.stamp(state.now)
    if let s = state.session {
        left += "  " + s.login + " (" + c.text("role.\(s.role.rawValue)") + ")"
        let secs = state.secondsBeforeLock
        left += "  " + c.text("status.lock_in", ["time": String(secs / 60) + ":" + (secs % 60 < 10 ? "0" : "") + String(secs % 60)])
    }
    canvas.put(left, x: 0, y: y, style: Style(.statusBar, reverse: true), maxWidth: canvas.columns)
    if let status = state.status {
        var args = state.statusArgs
        if let reason = args["reason"] { args["reason"] = c.text(reason) }
        canvas.put(" " + c.text(status, args), x: 0, y: y - 1, style: Style(.warning, bold: true),
                   maxWidth: canvas.columns)
    }
}

private func drawKeyBar(_ state: AppState, _ c: Catalog, _ canvas: inout Canvas, y: Int) {
    let scope: CommandScope
    var extra: [AppCommand] = []
    switch state.route {
    case .signIn, .changePassphrase: scope = .signIn
    case .setup: scope = .setup
    case .main(let m):
        scope = .main
        if m == .admin && state.admin.dialog == nil && state.admin.pane == .accounts {
            extra = AppCommands.all.filter { $0.scope == .admin }
        }
        if m == .agenda {
            let inForm = state.agenda.booking != nil
            extra = AppCommands.all.filter { $0.scope == .agenda && $0.barKey != nil && ($0.id == "agenda.save") == inForm }
        }
        if m == .patients {
            let inForm = state.patients.editor != nil
            extra = AppCommands.all.filter { $0.scope == .patients && ($0.id == "patients.save") == inForm }
        }
        if m == .backup && state.backup.editing == nil {
            extra = AppCommands.all.filter { $0.scope == .backup }
        }
    case .help: scope = .help
    }
    var x = 0
    for cmd in AppCommands.visible(in: scope) + extra where !(scope == .setup && cmd.id == "help") {
        guard let bar = cmd.barKey, x < canvas.columns else { continue }
        let available = state.session == nil ? cmd.privilege == nil : cmd.isAvailable(to: state.session?.role)
        x += canvas.put(cmd.keyLabel(c), x: x, y: y, style: Style(.keyHint, bold: true))
        x += canvas.put(" " + c.text(bar), x: x, y: y, style: Style(available ? .keyHintLabel : .disabled))
        x += canvas.put("  ", x: x, y: y, style: .normal)
    }
}

/// Splits text into lines of at most `width` columns, on spaces, as French
/// is set: a line never starts with « ; : ? ! » » nor ends with « « » (the
/// space before them is a non-breaking one in print); a word wider than
/// the line (a path) is cut across lines rather than run past the edge.
func wrap(_ text: String, width: Int) -> [String] {
    guard width > 0 else { return [] }
    // Units that never break inside: a word, with the punctuation that
    // follows it and an opening guillemet before it.
    var units: [String] = []
    var openQuote = false
    for word in text.split(separator: " ").map(String.init) {
        if let first = word.first, [";", ":", "?", "!", "»"].contains(first), let last = units.popLast() {
            units.append(last + " " + word)
        } else if openQuote, let last = units.popLast() {
            units.append(last + " " + word)
        } else {
            units.append(word)
        }
        openQuote = word == "«"
    }
    var lines: [String] = []
    var current = ""
    for unit in units {
        let candidate = current.isEmpty ? unit : current + " " + unit
        if DisplayWidth.of(candidate) <= width {
            current = candidate
            continue
        }
        if !current.isEmpty { lines.append(current) }
        current = unit
        // Too wide on its own line: cut it at the width.
        while DisplayWidth.of(current) > width {
            var head = ""
            var rest = Substring(current)
            while let ch = rest.first, DisplayWidth.of(head + String(ch)) <= width {
                head.append(ch)
                rest = rest.dropFirst()
            }
            if head.isEmpty { break }
            lines.append(head)
            current = String(rest)
        }
    }
    if !current.isEmpty { lines.append(current) }
    return lines
}

/// The forced change: the policy's feedback as the user types.
private func drawChange(_ state: AppState, _ c: Catalog, _ canvas: inout Canvas) {
    let w = canvas.columns
    let boxWidth = min(64, w - 4), inner = boxWidth - 4
    let x0 = (w - boxWidth) / 2, y0 = 3
    let f = state.change
    let problems = state.passphrasePolicy.problems(f.new)
    let height = 14
    canvas.box(Rect(x: x0, y: y0, width: boxWidth, height: height), style: Style(.border))
    canvas.put(" " + c.text("change.title") + " ", x: x0 + 2, y: y0, style: Style(.title, bold: true))
    var y = y0 + 2
    for line in wrap(c.text("change.intro"), width: inner).prefix(2) {
        canvas.put(line, x: x0 + 2, y: y, style: .normal, maxWidth: inner)
        y += 1
    }
    y += 1
    let labelWidth = 22
    for (label, value, field) in [(c.text("change.new"), f.new, ChangeForm.Field.new),
                                  (c.text("change.confirm"), f.confirm, ChangeForm.Field.confirm)] {
        canvas.put(label, x: x0 + 2, y: y, style: .normal, maxWidth: labelWidth)
        let fx = x0 + 2 + labelWidth, fw = inner - labelWidth - 1
        canvas.fill(Rect(x: fx, y: y, width: fw, height: 1), style: Style(.input, underline: true))
        // Never drawn, not even its length.
        canvas.put(value.isEmpty ? "" : c.text("signin.typed"), x: fx, y: y, style: Style(.input, underline: true), maxWidth: fw)
        if f.focus == field { canvas.put("◂", x: fx + fw, y: y, style: Style(.keyHint)) }
        y += 1
    }
    y += 1
    if f.new.isEmpty {
        for line in wrap(c.text("policy.intro"), width: inner).prefix(3) {
            canvas.put(line, x: x0 + 2, y: y, style: Style(.muted), maxWidth: inner)
            y += 1
        }
    } else if problems.isEmpty {
        canvas.put(c.text("change.ok"), x: x0 + 2, y: y, style: Style(.success, bold: true), maxWidth: inner)
    } else {
        for line in wrap(PassphrasePolicy.feedback(problems, c), width: inner).prefix(4) {
            canvas.put(line, x: x0 + 2, y: y, style: Style(.warning), maxWidth: inner)
            y += 1
        }
    }
    if let message = f.message {
        let style: Style = message == "signin.error" || message == "change.weak" || message == "change.mismatch"
            ? Style(.error, bold: true) : Style(.warning)
        canvas.put(c.notice(message, f.messageArgs, f.failure), x: x0 + 2, y: y0 + height - 2, style: style, maxWidth: inner)
    }
}

/// The full-screen pane a form or a reading opens in: cleared, framed, with
/// the width inside its margins.
/// A pane's keys: on its bottom border when they fit in it, else wrapped
/// on the pane's last rows inside (never cut, never over a corner).
/// Returns the number of rows taken inside.
@discardableResult
func drawPaneKeys(_ text: String, rect: Rect, inner: Int, _ canvas: inout Canvas) -> Int {
    if DisplayWidth.of(text) <= inner {
        canvas.put(text, x: rect.x + 2, y: rect.y + rect.height - 1, style: Style(.keyHint), maxWidth: inner)
        return 0
    }
    let lines = wrap(text, width: inner)
    for (i, line) in lines.enumerated() {
        canvas.put(line, x: rect.x + 2, y: rect.y + rect.height - 1 - lines.count + i, style: Style(.keyHint), maxWidth: inner)
    }
    return lines.count
}

func drawPane(_ canvas: inout Canvas) -> (rect: Rect, inner: Int) {
    let rect = Rect(x: 1, y: 2, width: canvas.columns - 2, height: canvas.rows - 4)
    canvas.fill(rect, style: .normal)
    canvas.box(rect, style: Style(.border))
    return (rect, rect.width - 4)
}
