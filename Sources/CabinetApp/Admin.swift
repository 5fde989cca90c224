import CabinetCore
import Foundation
import TerminalUI

/// The doctor's administration screen: the accounts (create, reset, disable
/// with the re-key offer, the second factor with its QR code), the settings
/// (inactivity delay, language), and the opening hours with the absences.
public struct AdminState: Codable, Equatable, Sendable {
    public enum Pane: String, Codable, Sendable, CaseIterable { case accounts, settings, hours }

    public enum Dialog: Codable, Equatable, Sendable {
        case newAccount(Form, role: Role)
        case confirmReset(String)
        case confirmDisable(String)
        /// After a disable: change the data key now?
        case offerRekey(String)
        /// A one-time passphrase, shown once.
        case oneTime(login: String, passphrase: String)
        case secondFactor(SecondFactorOffer, Form)
        case confirmSecondFactorOff
        case newAbsence(Form)
        /// The absence's id and how it reads ("du … au …").
        case confirmRemoveAbsence(Int64, String)
    }

    public var pane: Pane = .accounts
    /// Reloaded from the vault each time the screen opens (never drafted).
    public var accounts: [AccountRow] = []
    public var selected = 0
    public var dialog: Dialog?
    /// A catalogue key while the services work.
    public var busy: String?
    /// Settings: 0 the delay, 1 the language.
    public var settingsFocus = 0
    public var lockAfter = 10
    /// nil: the environment's language.
    public var language: Language?
    public var settingsDirty = false
    /// Opening hours as typed, one field a day (Monday first).
    public var hours = hoursForm(.standard)
    public var hoursDirty = false
    /// 0–6 the days, then the absences listed.
    public var hoursFocus = 0
    /// The absences to come (reloaded, never drafted).
    public var absences: [Absence] = []
    public var message: String?
    public var messageArgs: [String: String] = [:]
    public var messageIsError = false

    public init() {}

    enum CodingKeys: String, CodingKey {
        case pane, selected, dialog, settingsFocus, lockAfter, language, settingsDirty, hours, hoursDirty, hoursFocus
    }

    var hasUnsavedInput: Bool {
        if settingsDirty || hoursDirty { return true }
        switch dialog {
        case .newAccount(let form, _): return form.hasInput
        case .secondFactor(_, let form): return form.hasInput
        case .newAbsence(let form): return form.hasInput
        case .oneTime: return true
        default: return false
        }
    }

    var selectedAccount: AccountRow? { accounts.indices.contains(selected) ? accounts[selected] : nil }

    mutating func say(_ key: String, _ args: [String: String] = [:], error: Bool = false) {
        message = key
        messageArgs = args
        messageIsError = error
    }
}

extension Language: Codable {}

// MARK: - Reducer

func handleAdmin(_ key: Key, _ state: inout AppState) -> [AppEffect]? {
    guard state.admin.busy == nil else { return [] }
    if let dialog = state.admin.dialog { return handleDialog(dialog, key, &state) }
    if state.admin.pane == .hours, let effects = handleHours(key, &state) { return effects }
    guard let cmd = AppCommands.command(for: key, in: .admin) else {
        // ↓ and ← share their commands with ↑ and →.
        switch (key, state.admin.pane) {
        case (.down, .accounts):
            state.admin.selected = min(state.admin.selected + 1, max(0, state.admin.accounts.count - 1))
        case (.down, .settings):
            state.admin.settingsFocus = 1
        case (.left, .settings):
            return changeSetting(by: -1, &state)
        default:
            return nil
        }
        return []
    }
    guard cmd.isAvailable(to: state.session?.role) else {
        state.status = "status.unavailable"
        state.statusArgs = ["key": cmd.keyName, "reason": cmd.privilege.map { "reason.\($0.rawValue)" } ?? ""]
        return []
    }
    state.admin.message = nil
    let me = state.session?.login
    switch (cmd.id, state.admin.pane) {
    case ("admin.pane", _):
        let panes = AdminState.Pane.allCases
        state.admin.pane = panes[((panes.firstIndex(of: state.admin.pane) ?? 0) + 1) % panes.count]
        if state.admin.pane == .hours { return [.loadHours] }
    case ("admin.new", .hours):
        state.admin.dialog = .newAbsence(newAbsenceForm())
    case ("admin.disable", .hours):
        let i = state.admin.hoursFocus - 7
        guard state.admin.absences.indices.contains(i) else {
            state.admin.say("admin.hours.pick_absence", error: true)
            return []
        }
        let away = state.admin.absences[i]
        state.admin.dialog = .confirmRemoveAbsence(away.id, absenceText(away))
    case ("admin.up", .accounts):
        state.admin.selected = max(0, state.admin.selected - 1)
    case ("admin.up", .settings):
        state.admin.settingsFocus = 0
    case ("admin.change", .settings):
        return changeSetting(by: 1, &state)
    case ("admin.save", .settings):
        guard state.admin.settingsDirty else { return [] }
        state.admin.busy = "admin.saving"
        return [.saveSettings(lockAfter: state.admin.lockAfter, language: state.admin.language)]
    case ("admin.new", .accounts):
        state.admin.dialog = .newAccount(newAccountForm(), role: .secretary)
    case ("admin.reset", .accounts):
        guard let a = state.admin.selectedAccount else { return [] }
        guard a.login != me else { state.admin.say("admin.error.self_reset", error: true); return [] }
        state.admin.dialog = .confirmReset(a.login)
    case ("admin.disable", .accounts):
        guard let a = state.admin.selectedAccount else { return [] }
        guard a.login != me else { state.admin.say("admin.error.self_disable", error: true); return [] }
        guard !a.disabled else { state.admin.say("admin.error.already_disabled", ["login": a.login], error: true); return [] }
        state.admin.dialog = .confirmDisable(a.login)
    case ("admin.totp", _):
        if state.session?.hasSecondFactor == true {
            state.admin.dialog = .confirmSecondFactorOff
        } else {
            state.admin.busy = "admin.busy"
            return [.beginSecondFactor]
        }
    default:
        return nil
    }
    return []
}

private func changeSetting(by delta: Int, _ state: inout AppState) -> [AppEffect] {
    if state.admin.settingsFocus == 0 {
        let v = min(max(state.admin.lockAfter + delta, 1), 30)
        if v != state.admin.lockAfter { state.admin.settingsDirty = true }
        state.admin.lockAfter = v
    } else {
        let order: [Language?] = [nil, .french, .english]
        let i = order.firstIndex(of: state.admin.language) ?? 0
        state.admin.language = order[(i + delta + order.count) % order.count]
        state.admin.settingsDirty = true
    }
    return []
}

/// The hours pane's own keys: ↑ ↓ through the days and the absences; on a
/// day, what a range is typed with (digits, ":", "-", ",", "h", spaces) and
/// the editing keys; Enter saves. Anything else goes to the screen's
/// commands (Tab, n, d, t…).
private func handleHours(_ key: Key, _ state: inout AppState) -> [AppEffect]? {
    var a = state.admin
    let onDay = a.hoursFocus < 7
    switch key {
    case .up:
        a.hoursFocus = max(0, a.hoursFocus - 1)
    case .down:
        a.hoursFocus = min(7 + a.absences.count - 1, a.hoursFocus + 1)
    case .enter:
        guard a.hoursDirty else { return [] }
        var hours = OpeningHours(days: [:])
        for day in 1...7 {
            do {
                let ranges = try OpeningHours.parseDay(a.hours[String(day)])
                if !ranges.isEmpty { hours.days[day] = ranges }
            } catch {
                a.hoursFocus = day - 1
                if case CabinetError.usage(let k) = error { a.say(k, error: true) }
                state.admin = a
                return []
            }
        }
        a.busy = "admin.saving"
        state.admin = a
        return [.saveHours(hours)]
    case .char(let ch) where onDay && "0123456789:-,hH ".contains(ch):
        a.hours.focus = a.hoursFocus
        if a.hours.edit(key) { a.hoursDirty = true }
    case .backspace, .delete, .left, .right, .home, .end, .ctrl("u"):
        guard onDay else { return nil }
        a.hours.focus = a.hoursFocus
        let before = a.hours[String(a.hoursFocus + 1)]
        _ = a.hours.edit(key)
        if a.hours[String(a.hoursFocus + 1)] != before { a.hoursDirty = true }
    default:
        return nil
    }
    a.message = nil
    state.admin = a
    return []
}

/// One field a day, Monday first, as the vault has them.
func hoursForm(_ hours: OpeningHours) -> Form {
    var form = Form((1...7).map { FormField(String($0), label: "weekday.\($0)", maxLength: 60) })
    for day in 1...7 { form[String(day)] = OpeningHours.text(of: hours.days[day] ?? []) }
    return form
}

func newAbsenceForm() -> Form {
    Form([
        FormField("from", label: "admin.absence.from", maxLength: 10, required: true),
        FormField("from_time", label: "admin.absence.from_time", maxLength: 5),
        FormField("to", label: "admin.absence.to", maxLength: 10, required: true),
        FormField("to_time", label: "admin.absence.to_time", maxLength: 5),
        FormField("label", label: "admin.absence.label", maxLength: 80),
    ])
}

/// "23/12/2026 00:00 → 03/01/2027 00:00 Congés".
func absenceText(_ a: Absence) -> String {
    PracticeClock.stamp(a.start) + " → " + PracticeClock.stamp(a.end) + (a.label.isEmpty ? "" : "  " + a.label)
}

/// The absence typed in the dialog: a day alone runs from its start, or to
/// its end.
private func submitAbsence(_ form: inout Form) -> AppEffect? {
    func day(_ id: String) -> CivilDate? {
        do { return try FrenchDate.parse(form[id]) } catch {
            form.focus(id)
            form.fail(error.messageKey)
            return nil
        }
    }
    func time(_ id: String) -> TimeOfDay?? {
        let text = form[id].trimmingCharacters(in: .whitespaces)
        if text.isEmpty { return .some(nil) }
        guard let t = TimeOfDay(parsing: text) else {
            form.focus(id)
            form.fail("agenda.error.time")
            return nil
        }
        return .some(t)
    }
    guard let fromDay = day("from"), let fromTime = time("from_time"), let toDay = day("to"), let toTime = time("to_time")
    else { return nil }
    guard let start = fromTime.map({ PracticeClock.instant(fromDay, $0) }) ?? PracticeClock.dayBounds(fromDay).0 else {
        form.focus("from_time")
        form.fail("booking.nonexistent_time")
        return nil
    }
    guard let end = toTime.map({ PracticeClock.instant(toDay, $0) }) ?? PracticeClock.dayBounds(toDay).1 else {
        form.focus("to_time")
        form.fail("booking.nonexistent_time")
        return nil
    }
    guard end > start else {
        form.focus("to")
        form.fail("error.absence_order")
        return nil
    }
    return .addAbsence(from: start, to: end, label: form["label"].trimmingCharacters(in: .whitespaces))
}

func newAccountForm() -> Form {
    Form([
        FormField("login", label: "admin.field.login", maxLength: 32, required: true),
        FormField("name", label: "admin.field.name", maxLength: 80),
    ])
}

private func handleDialog(_ dialog: AdminState.Dialog, _ key: Key, _ state: inout AppState) -> [AppEffect] {
    if key == .escape {
        state.admin.dialog = nil
        return []
    }
    switch dialog {
    case .newAccount(var form, let role):
        var role = role
        switch key {
        case .tab: form.next()
        case .backTab: form.previous()
        case .ctrl("r"):
            let roles: [Role] = [.secretary, .replacement, .doctor]
            role = roles[((roles.firstIndex(of: role) ?? 0) + 1) % roles.count]
        case .enter:
            if !form.isLastFieldFocused { form.next(); break }
            let login = form["login"].trimmingCharacters(in: .whitespaces)
            guard PracticeRules.isValidLogin(login) else {
                form.focus("login")
                form.fail("setup.error.login")
                break
            }
            guard !state.admin.accounts.contains(where: { $0.login == login }) else {
                form.focus("login")
                form.fail("admin.error.exists", ["login": login])
                break
            }
            let name = form["name"].trimmingCharacters(in: .whitespaces)
            state.admin.dialog = .newAccount(form, role: role)
            state.admin.busy = "admin.busy"
            return [.createAccount(login: login, displayName: name.isEmpty ? nil : name, role: role)]
        default:
            _ = form.edit(key)
        }
        state.admin.dialog = .newAccount(form, role: role)
    case .confirmReset(let login):
        if key == .enter {
            state.admin.busy = "admin.busy"
            return [.resetAccount(login: login)]
        }
    case .confirmDisable(let login):
        if key == .enter {
            state.admin.busy = "admin.busy"
            return [.disableAccount(login: login)]
        }
    case .offerRekey:
        if key == .enter {
            state.admin.busy = "admin.rekeying"
            return [.rekey]
        }
    case .oneTime:
        if key == .enter { state.admin.dialog = nil }
    case .secondFactor(let offer, var form):
        if key == .enter {
            let code = form["code"]
            guard code.count == 6 else {
                form.fail("admin.error.code")
                state.admin.dialog = .secondFactor(offer, form)
                return []
            }
            state.admin.busy = "admin.busy"
            return [.confirmSecondFactor(code: code)]
        }
        if case .char(let ch) = key, !ch.isNumber { return [] }
        _ = form.edit(key)
        state.admin.dialog = .secondFactor(offer, form)
    case .confirmSecondFactorOff:
        if key == .enter {
            state.admin.busy = "admin.busy"
            return [.disableSecondFactor]
        }
    case .newAbsence(var form):
        switch key {
        case .tab: form.next()
        case .backTab: form.previous()
        case .enter:
            if !form.isLastFieldFocused { form.next(); break }
            if let effect = submitAbsence(&form) {
                state.admin.dialog = .newAbsence(form)
                state.admin.busy = "admin.saving"
                return [effect]
            }
        default:
            _ = form.edit(key)
        }
        state.admin.dialog = .newAbsence(form)
    case .confirmRemoveAbsence(let id, _):
        if key == .enter {
            state.admin.busy = "admin.saving"
            return [.removeAbsence(id)]
        }
    }
    return []
}

/// Results of the administration's effects.
func reduceAdminResult(_ result: AdminResult, _ state: inout AppState) -> [AppEffect] {
    state.admin.busy = nil
    switch result {
    case .accounts(let rows):
        state.admin.accounts = rows
        state.admin.selected = min(state.admin.selected, max(0, rows.count - 1))
        return []
    case .created(let login, let passphrase):
        if state.route == .setup {
            state.setup.busy = nil
            state.setup.secretary = SetupState().secretary
            state.setup.secretaryLogin = login
            state.setup.secretaryPassphrase = passphrase
            state.setup.step = .secretaryCreated
            return []
        }
        state.admin.dialog = .oneTime(login: login, passphrase: passphrase)
        return [.loadAccounts]
    case .reset(let login, let passphrase):
        state.admin.dialog = .oneTime(login: login, passphrase: passphrase)
        return [.loadAccounts]
    case .disabled(let login):
        state.admin.dialog = .offerRekey(login)
        return [.loadAccounts]
    case .rekeyed:
        state.admin.dialog = nil
        state.admin.say("admin.rekeyed")
        return []
    case .secondFactorOffered(let offer):
        state.admin.dialog = .secondFactor(offer, Form([FormField("code", label: "admin.field.code", maxLength: 6)]))
        return []
    case .secondFactorChanged(let on):
        state.admin.dialog = nil
        state.session = state.session?.with(hasSecondFactor: on)
        state.admin.say(on ? "admin.totp_on" : "admin.totp_off")
        return [.loadAccounts]
    case .hours(let hours, let absences):
        state.admin.absences = absences
        if !state.admin.hoursDirty { state.admin.hours = hoursForm(hours) }
        state.admin.hoursFocus = min(state.admin.hoursFocus, 7 + absences.count - 1)
        return []
    case .hoursSaved(let hours):
        state.admin.hoursDirty = false
        state.admin.hours = hoursForm(hours)
        state.admin.say("admin.hours.saved")
        return []
    case .absencesChanged(let key):
        state.admin.dialog = nil
        state.admin.say(key)
        return [.loadHours]
    case .settingsSaved(let minutes, let language):
        state.admin.settingsDirty = false
        state.lockAfter = TimeInterval(minutes * 60)
        state.language = language
        state.session = state.session?.with(lockAfter: minutes, language: .some(language))
        state.admin.say("admin.saved")
        return []
    case .failed(let error):
        if state.route == .setup {
            state.setup.busy = nil
            state.setup.secretary.fail("signin.error", ["message": error.message(state.catalog)])
            return []
        }
        switch state.admin.dialog {
        case .newAccount(var form, let role):
            form.fail("signin.error", ["message": error.message(state.catalog)])
            state.admin.dialog = .newAccount(form, role: role)
        case .secondFactor(let offer, var form):
            form["code"] = ""
            form.fail("signin.error", ["message": error.message(state.catalog)])
            state.admin.dialog = .secondFactor(offer, form)
        case .newAbsence(var form):
            form.fail("signin.error", ["message": error.message(state.catalog)])
            state.admin.dialog = .newAbsence(form)
        default:
            state.admin.dialog = nil
            state.admin.say("signin.error", ["message": error.message(state.catalog)], error: true)
        }
        return []
    }
}

public enum AdminResult: Sendable, Equatable {
    case accounts([AccountRow])
    case created(login: String, passphrase: String)
    case reset(login: String, passphrase: String)
    case disabled(String)
    case rekeyed
    case secondFactorOffered(SecondFactorOffer)
    case secondFactorChanged(on: Bool)
    case settingsSaved(lockAfter: Int, language: Language?)
    case hours(OpeningHours, [Absence])
    case hoursSaved(OpeningHours)
    /// An absence added or removed: the message's key.
    case absencesChanged(String)
    case failed(CabinetError)
}

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
        let lines = Array(wrap(c.text(m, a.messageArgs), width: w - 4).prefix(2))
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
    let messageLines = a.message.map { min(2, wrap(c.text($0, a.messageArgs), width: w - 4).count) } ?? 0
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
        add(c.text("admin.rekey.offer", ["login": login]))
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
    let messageLines = form.flatMap { f in f.message.map { wrap(c.text($0, f.messageArgs), width: inner).count } } ?? 0
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
