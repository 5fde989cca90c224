import CabinetCore
import Foundation
import TerminalUI

// The Administration drawn from its state (pure functions).

// MARK: - View

func drawAdmin(_ state: AppState, _ c: Catalog, _ canvas: inout Canvas) {
    let a = state.admin
    let w = canvas.columns, h = canvas.rows
    var x = 2
    for pane in AdminState.Pane.allCases {
        let label = " " + c.text("admin.pane.\(pane.rawValue)") + " "
        x += canvas.put(label, x: x, y: 3, style: pane == a.pane ? Style(.selection, bold: true) : Style(.muted)) + 2
    }
    switch a.pane {
    case .accounts: drawAccounts(state, c, &canvas)
    case .settings: drawSettings(state, c, &canvas)
    case .hours: drawHours(state, c, &canvas)
    }
    if let m = a.message {
        // Two lines at most, the last one just above the status line.
        let lines = Array(wrap(c.notice(m, a.messageArgs, a.failure), width: w - 4).prefix(2))
        for (i, line) in lines.enumerated() {
            canvas.put(line, x: 2, y: h - 3 - lines.count + i, style: a.messageIsError ? Style(.error, bold: true) : Style(.success),
                       maxWidth: w - 4)
        }
    }
    if let dialog = a.dialog { drawDialog(dialog, state, c, &canvas) }
    if let busy = a.busy {
        let text = " " + c.text(busy) + " "
        canvas.put(text, x: max(0, (w - DisplayWidth.of(text)) / 2), y: h / 2, style: Style(.warning, bold: true, reverse: true))
    }
}

private func drawAccounts(_ state: AppState, _ c: Catalog, _ canvas: inout Canvas) {
    let a = state.admin
    let w = canvas.columns
    // Columns: login, name, role, second factor, last sign-in, state.
    let wide = w >= 110
    let cols: [(String, Int)] = [("admin.col.login", 14), ("admin.col.name", wide ? 26 : 16), ("admin.col.role", wide ? 24 : 14),
                                 ("admin.col.totp", 6), ("admin.col.last", wide ? 18 : 12), ("admin.col.state", 16)]
    var x = 2
    for (key, width) in cols {
        canvas.put(c.text(key), x: x, y: 5, style: Style(.title, bold: true), maxWidth: width - 1)
        x += width
    }
    var y = 6
    let first = max(0, a.selected - (canvas.rows - 12))
    for (i, row) in a.accounts.enumerated().dropFirst(first) where y < canvas.rows - 5 {
        let selected = i == a.selected
        let base: Style = selected ? Style(.selection, bold: true) : (row.disabled ? Style(.disabled) : .normal)
        if selected { canvas.fill(Rect(x: 1, y: y, width: w - 2, height: 1), style: base) }
        let me = row.login == state.session?.login ? " " + c.text("admin.me") : ""
        let status = row.disabled ? c.text("admin.state.disabled")
            : row.mustChangePassphrase ? c.text("admin.state.must_change") : c.text("admin.state.active")
        let cells = [row.login + me, row.displayName ?? "", c.text("role.\(row.role.rawValue)"),
                     row.hasSecondFactor ? c.text("admin.yes") : c.text("admin.no"),
                     row.lastSignIn.map { wide ? PracticeClock.stamp($0) : shortDate($0) } ?? "—", status]
        var cx = 2
        for (j, (_, width)) in cols.enumerated() {
            canvas.put(DisplayWidth.truncate(cells[j], to: width - 1), x: cx, y: y, style: base, maxWidth: width - 1)
            cx += width
        }
        y += 1
    }
    if a.accounts.isEmpty {
        canvas.put(c.text("admin.loading"), x: 2, y: 6, style: Style(.muted))
    }
}

private func drawSettings(_ state: AppState, _ c: Catalog, _ canvas: inout Canvas) {
    let a = state.admin
    let rows: [(String, String, String)] = [
        (c.text("admin.setting.lock_after"), c.text("admin.minutes", ["n": String(a.lockAfter)]), c.text("admin.setting.lock_after.help")),
        (c.text("admin.setting.language"), c.text("admin.language.\(a.language?.rawValue ?? "auto")"),
         c.text("admin.setting.language.help")),
    ]
    var y = 5
    for (i, (label, value, help)) in rows.enumerated() {
        let focused = i == a.settingsFocus
        canvas.put(label, x: 2, y: y, style: focused ? Style(.normal, bold: true) : .normal, maxWidth: 34)
        let shown = "◂ " + value + " ▸"
        canvas.put(shown, x: 38, y: y, style: focused ? Style(.selection, bold: true) : Style(.input), maxWidth: canvas.columns - 40)
        y += 1
        for line in wrap(help, width: canvas.columns - 8).prefix(2) {
            canvas.put(line, x: 4, y: y, style: Style(.muted), maxWidth: canvas.columns - 6)
            y += 1
        }
        y += 1
    }
    if a.settingsDirty {
        canvas.put(c.text("admin.unsaved"), x: 2, y: y, style: Style(.warning, bold: true), maxWidth: canvas.columns - 4)
    }
}

/// The opening hours (one line a day, "fermé" when empty) and the absences
/// to come.
private func drawHours(_ state: AppState, _ c: Catalog, _ canvas: inout Canvas) {
    let a = state.admin
    let w = canvas.columns, h = canvas.rows
    var y = 5
    for line in wrap(c.text("admin.hours.title"), width: w - 4).prefix(2) {
        canvas.put(line, x: 2, y: y, style: Style(.title, bold: true), maxWidth: w - 4)
        y += 1
    }
    var form = a.hours
    form.focus = a.hoursFocus < 7 ? a.hoursFocus : -1
    let fieldWidth = min(60, w - 6)
    _ = drawForm(form, in: Rect(x: 4, y: y, width: fieldWidth, height: 7), labelWidth: 12, c, &canvas)
    for (i, field) in a.hours.fields.enumerated() where field.value.isEmpty && i != form.focus {
        canvas.put(c.text("admin.hours.closed"), x: 16, y: y + i, style: Style(.muted, underline: true))
    }
    y += 7
    let note = a.hoursDirty ? (c.text("admin.hours.unsaved"), Style(.warning, bold: true)) : (c.text("admin.hours.help"), Style(.muted))
    for line in wrap(note.0, width: w - 4).prefix(2) {
        canvas.put(line, x: 2, y: y, style: note.1, maxWidth: w - 4)
        y += 1
    }
    y += 1
    canvas.put(c.text("admin.hours.absences"), x: 2, y: y, style: Style(.title, bold: true), maxWidth: w - 4)
    y += 1
    // Down to the message's lines (drawn by drawAdmin above the status line).
    let messageLines = a.message.map { min(2, wrap(c.notice($0, a.messageArgs, a.failure), width: w - 4).count) } ?? 0
    let room = max(1, h - 3 - messageLines - y)
    if a.absences.isEmpty {
        canvas.put(c.text("admin.hours.none"), x: 4, y: y, style: Style(.muted), maxWidth: w - 6)
        return
    }
    let selected = a.hoursFocus - 7
    let first = max(0, min(selected - room + 1, a.absences.count - room))
    for (i, away) in a.absences.enumerated().dropFirst(max(0, first)).prefix(room) {
        let style: Style = i == selected ? Style(.selection, bold: true) : .normal
        if i == selected { canvas.fill(Rect(x: 3, y: y, width: w - 6, height: 1), style: style) }
        canvas.put(absenceText(away), x: 4, y: y, style: style, maxWidth: w - 8)
        y += 1
    }
}

private func drawDialog(_ dialog: AdminState.Dialog, _ state: AppState, _ c: Catalog, _ canvas: inout Canvas) {
    let w = canvas.columns, h = canvas.rows
    if case .secondFactor(let offer, let form) = dialog {
        drawSecondFactor(offer, form, state, c, &canvas)
        return
    }
    let boxWidth = min(66, w - 4), inner = boxWidth - 4
    var lines: [(String, Style)] = []
    var form: Form?
    var title = ""
    func add(_ text: String, _ style: Style = .normal) {
        for l in wrap(text, width: inner) { lines.append((l, style)) }
    }
    switch dialog {
    case .newAccount(let f, let role):
        title = c.text("admin.dialog.new")
        add(c.text("admin.new.role", ["role": c.text("role.\(role.rawValue)")]), Style(.normal, bold: true))
        add(c.text("admin.new.help"), Style(.muted))
        form = f
    case .confirmReset(let login):
        title = c.text("admin.dialog.reset")
        add(c.text("admin.reset.confirm", ["login": login]))
    case .confirmDisable(let login):
        title = c.text("admin.dialog.disable")
        add(c.text("admin.disable.confirm", ["login": login]))
    case .offerRekey(let login):
        title = c.text("admin.dialog.rekey")
        add(c.text(login.isEmpty ? "admin.rekey.offer_any" : "admin.rekey.offer", ["login": login]))
    case .oneTime(let login, let passphrase):
        title = c.text("admin.dialog.onetime")
        add(c.text("admin.onetime.intro", ["login": login]))
        lines.append(("", .normal))
        lines.append((passphrase, Style(.title, bold: true)))
        lines.append(("", .normal))
        add(c.text("admin.onetime.advice"), Style(.warning))
    case .confirmSecondFactorOff:
        title = c.text("admin.dialog.totp_off")
        add(c.text("admin.totp_off.confirm"))
    case .newAbsence(let f):
        title = c.text("admin.dialog.absence")
        add(c.text("admin.absence.help"), Style(.muted))
        form = f
    case .confirmRemoveAbsence(_, let text):
        title = c.text("admin.dialog.absence_remove")
        add(c.text("admin.absence.confirm_remove", ["what": text]))
    case .secondFactor:
        break
    }
    lines.append(("", .normal))
    // A dialog never offers to cancel what is already done: the one-time
    // passphrase is shown after the account was created or reset.
    switch dialog {
    case .oneTime: add(c.text("admin.dialog.keys_done"), Style(.keyHint))
    case .offerRekey: add(c.text("admin.dialog.keys_later"), Style(.keyHint))
    default: add(c.text("admin.dialog.keys"), Style(.keyHint))
    }
    // The form's message, wrapped whole (a login's rules take two lines).
    let messageLines = form.flatMap { f in f.message.map { wrap(c.notice($0, f.messageArgs, f.failure), width: inner).count } } ?? 0
    let formRows = form.map { $0.fields.count + 2 + max(1, messageLines) } ?? 0
    let height = min(h - 2, lines.count + formRows + 3)
    let x0 = (w - boxWidth) / 2, y0 = max(1, (h - height) / 2)
    canvas.fill(Rect(x: x0, y: y0, width: boxWidth, height: height), style: .normal)
    canvas.box(Rect(x: x0, y: y0, width: boxWidth, height: height), style: Style(.border))
    canvas.put(" " + title + " ", x: x0 + 2, y: y0, style: Style(.title, bold: true))
    var y = y0 + 2
    for (text, style) in lines.dropLast(2) where y < y0 + height - 1 {
        canvas.put(text, x: x0 + 2, y: y, style: style, maxWidth: inner)
        y += 1
    }
    if let form {
        y += 1
        y = drawForm(form, in: Rect(x: x0 + 2, y: y, width: inner, height: form.fields.count), labelWidth: 20, c, &canvas)
        drawMessage(form, x: x0 + 2, y: y, width: inner, lines: max(1, messageLines), c, &canvas)
        y += max(1, messageLines)
    }
    y += 1
    if let last = lines.last, y < y0 + height - 1 {
        canvas.put(last.0, x: x0 + 2, y: y, style: last.1, maxWidth: inner)
    }
}

/// The enrolment: the QR code on the left, the secret to type by hand and
/// the code to confirm on the right (or below on a narrow screen).
private func drawSecondFactor(_ offer: SecondFactorOffer, _ form: Form, _ state: AppState, _ c: Catalog,
                              _ canvas: inout Canvas) {
    let w = canvas.columns, h = canvas.rows
    canvas.fill(Rect(x: 0, y: 1, width: w, height: h - 2), style: .normal)
    let qrWidth = offer.qrLines.first.map { DisplayWidth.of($0) } ?? 0
    let fits = offer.qrLines.count <= h - 3 && qrWidth + 34 <= w
    var textX = 2, y = 2
    if fits {
        for (i, line) in offer.qrLines.enumerated() {
            canvas.put(line, x: 1, y: 1 + i, style: .normal)
        }
        textX = qrWidth + 3
    }
    let width = w - textX - 1
    func para(_ text: String, _ style: Style = .normal) {
        for line in wrap(text, width: width) where y < h - 2 {
            canvas.put(line, x: textX, y: y, style: style, maxWidth: width)
            y += 1
        }
    }
    canvas.put(c.text("admin.dialog.totp"), x: textX, y: 1, style: Style(.title, bold: true), maxWidth: width)
    para(c.text(fits ? "admin.totp.scan" : "admin.totp.small"))
    y += 1
    // Groups of four, as authenticator apps show them.
    let grouped = stride(from: 0, to: offer.secret.count, by: 4).map { i -> String in
        let start = offer.secret.index(offer.secret.startIndex, offsetBy: i)
        let end = offer.secret.index(start, offsetBy: min(4, offer.secret.count - i))
        return String(offer.secret[start..<end])
    }
    for line in wrap(grouped.joined(separator: " "), width: width) where y < h - 2 {
        canvas.put(line, x: textX, y: y, style: Style(.title, bold: true), maxWidth: width)
        y += 1
    }
    y += 1
    para(c.text("admin.totp.confirm"))
    y += 1
    y = drawForm(form, in: Rect(x: textX, y: y, width: min(width, 30), height: 1), labelWidth: 12, c, &canvas)
    drawMessage(form, x: textX, y: y, width: width, c, &canvas)
    y += 2
    para(c.text("admin.dialog.keys"), Style(.keyHint))
}

/// "23/11/26", local time.
private func shortDate(_ instant: Date) -> String {
    let d = PracticeClock.local(instant).date.formatted
    return String(d.prefix(6)) + String(d.suffix(2))
}
