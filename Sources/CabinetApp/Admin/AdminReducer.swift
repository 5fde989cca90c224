import CabinetCore
import Foundation
import TerminalUI

// The Administration's keys and results: state in, state out, effects.

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
        if state.admin.pane == .hours { return [.admin(.loadHours)] }
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
        return [.admin(.saveSettings(lockAfter: state.admin.lockAfter, language: state.admin.language))]
    case ("admin.rekey", .accounts):
        // Also after a re-key refused because another desk was open.
        state.admin.dialog = .offerRekey("")
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
            return [.admin(.beginSecondFactor)]
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
        return [.admin(.saveHours(hours))]
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
    return .admin(.addAbsence(from: start, to: end, label: form["label"].trimmingCharacters(in: .whitespaces)))
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
            return [.admin(.createAccount(login: login, displayName: name.isEmpty ? nil : name, role: role))]
        default:
            _ = form.edit(key)
        }
        state.admin.dialog = .newAccount(form, role: role)
    case .confirmReset(let login):
        if key == .enter {
            state.admin.busy = "admin.busy"
            return [.admin(.resetAccount(login: login))]
        }
    case .confirmDisable(let login):
        if key == .enter {
            state.admin.busy = "admin.busy"
            return [.admin(.disableAccount(login: login))]
        }
    case .offerRekey:
        if key == .enter {
            // The question is answered: the progress window replaces it.
            state.admin.dialog = nil
            state.admin.busy = "admin.rekeying"
            return [.admin(.rekey)]
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
            return [.admin(.confirmSecondFactor(code: code))]
        }
        if case .char(let ch) = key, !ch.isNumber { return [] }
        _ = form.edit(key)
        state.admin.dialog = .secondFactor(offer, form)
    case .confirmSecondFactorOff:
        if key == .enter {
            state.admin.busy = "admin.busy"
            return [.admin(.disableSecondFactor)]
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
            return [.admin(.removeAbsence(id))]
        }
    }
    return []
}

/// Results of the administration's effects.
func reduceAdminResult(_ result: AdminResult, _ state: inout AppState) -> [AppEffect] {
    let wasRekeying = state.admin.busy == "admin.rekeying"
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
        return [.admin(.loadAccounts)]
    case .reset(let login, let passphrase):
        state.admin.dialog = .oneTime(login: login, passphrase: passphrase)
        return [.admin(.loadAccounts)]
    case .disabled(let login):
        state.admin.dialog = .offerRekey(login)
        return [.admin(.loadAccounts)]
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
        return [.admin(.loadAccounts)]
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
        return [.admin(.loadHours)]
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
            state.setup.secretary.fail(error)
            return []
        }
        switch state.admin.dialog {
        case .newAccount(var form, let role):
            form.fail(error)
            state.admin.dialog = .newAccount(form, role: role)
        case .secondFactor(let offer, var form):
            form["code"] = ""
            form.fail(error)
            state.admin.dialog = .secondFactor(offer, form)
        case .newAbsence(var form):
            form.fail(error)
            state.admin.dialog = .newAbsence(form)
        default:
            state.admin.dialog = nil
            if wasRekeying, error == .vault(.inUse) {
                // Say how to do it again once the other desks are closed.
                state.admin.say("admin.rekey.in_use", error: true)
            } else {
                state.admin.say(error)
            }
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
