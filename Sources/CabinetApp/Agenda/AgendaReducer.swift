import CabinetCore
import Foundation
import TerminalUI

// The appointment book's keys and results: state in, state out, effects.

// MARK: - Reducer

func enterAgenda(_ state: inout AppState) -> [AppEffect] {
    let (from, to) = state.agenda.range(state.now)
    return [.agenda(.loadAgenda(from: from, to: to))]
}

private func reload(_ state: AppState) -> [AppEffect] {
    let (from, to) = state.agenda.range(state.now)
    return [.agenda(.loadAgenda(from: from, to: to))]
}

func handleAgenda(_ key: Key, _ state: inout AppState) -> [AppEffect]? {
    if state.agenda.booking != nil { return handleBooking(key, &state) }
    if let id = state.agenda.confirmingNoShow {
        state.agenda.confirmingNoShow = nil
        if key == .enter { return [.agenda(.setAppointmentStatus(id, .noShow, category: ""))] }
        return []
    }
    if let id = state.agenda.cancelling {
        switch key {
        case .char("p"), .char("1"):
            state.agenda.cancelling = nil
            return [.agenda(.setAppointmentStatus(id, .cancelledByPatient, category: "patient"))]
        case .char("c"), .char("2"):
            state.agenda.cancelling = nil
            return [.agenda(.setAppointmentStatus(id, .cancelledByPractice, category: "practice"))]
        case .escape:
            state.agenda.cancelling = nil
        default: break
        }
        return []
    }
    if var field = state.agenda.goTo {
        switch key {
        case .escape: state.agenda.goTo = nil
        case .enter:
            do {
                state.agenda.date = try FrenchDate.parse(field.value)
                state.agenda.goTo = nil
                state.agenda.selected = 0
                return reload(state)
            } catch {
                state.agenda.say(error.messageKey, error: true)
            }
        default:
            if case .function = key { return nil }
            _ = field.edit(key)
            state.agenda.goTo = field
        }
        return []
    }
    let today = PracticeClock.local(state.now).date
    let day = state.agenda.day(state.now)
    let list = state.agenda.actionable(state.now)
    // In the week view too, ← → move by a day (the chosen day's column is
    // highlighted, and the keys act on its selected appointment); Page Up
    // and Page Down move by a week.
    let step = 1
    func go(_ d: CivilDate?) -> [AppEffect] {
        let before = state.agenda.range(state.now)
        state.agenda.date = d
        state.agenda.selected = 0
        state.agenda.message = nil
        // Another day of the week already loaded: nothing to read again.
        return state.agenda.range(state.now) == before ? [] : reload(state)
    }
    // The keys come from the action catalogue (AppCommands): the help, the
    // key bar and the man page's KEYS list exactly what is dispatched here.
    // ↑ ↓ only move the selection.
    switch key {
    case .up:
        state.agenda.selected = max(0, state.agenda.selected - 1)
        return []
    case .down:
        state.agenda.selected = min(max(0, list.count - 1), state.agenda.selected + 1)
        return []
    default:
        break
    }
    guard let cmd = AppCommands.command(for: key, in: .agenda) else { return nil }
    guard cmd.isAvailable(to: state.session?.role) else { return [] }
    switch cmd.id {
    case "agenda.days": return go(day.adding(days: key == .left ? -step : step))
    case "agenda.weeks": return go(day.adding(days: key == .pageUp ? -7 : 7))
    case "agenda.today": return go(nil)
    case "agenda.goto":
        state.agenda.goTo = FormField("goto", label: "agenda.field.goto", maxLength: 10, value: day.formatted)
    case "agenda.week":
        state.agenda.view = state.agenda.view == .week ? .day : .week
        state.agenda.selected = 0
        return reload(state)
    case "agenda.waiting":
        state.agenda.view = state.agenda.view == .waiting ? .day : .waiting
        state.agenda.selected = 0
        return reload(state)
    case "agenda.new", "agenda.newpatient":
        var b = BookingForm()
        b.form["date"] = (day < today ? today : day).formatted
        b.form["minutes"] = String(b.type.minutes)
        state.agenda.booking = b
        let from = day == today ? state.now : (PracticeClock.instant(day, TimeOfDay(minutes: 0)) ?? state.now)
        return [.agenda(.nextFreeSlot(from: max(from, state.now), minutes: b.type.minutes))]
    case "agenda.status":
        guard list.indices.contains(state.agenda.selected) else { return [] }
        let a = list[state.agenda.selected]
        guard !a.status.isCancelled else { return [] }
        return [.agenda(.setAppointmentStatus(a.id, a.status.next, category: ""))]
    case "agenda.noshow":
        guard list.indices.contains(state.agenda.selected) else { return [] }
        let a = list[state.agenda.selected]
        // Not before its time without a confirmation that names it.
        if state.now < a.start {
            state.agenda.confirmingNoShow = a.id
            return []
        }
        return [.agenda(.setAppointmentStatus(a.id, .noShow, category: ""))]
    case "agenda.cancel":
        guard list.indices.contains(state.agenda.selected), !list[state.agenda.selected].status.isCancelled else { return [] }
        state.agenda.cancelling = list[state.agenda.selected].id
    case "agenda.move":
        guard list.indices.contains(state.agenda.selected) else { return [] }
        let a = list[state.agenda.selected]
        var b = BookingForm()
        b.patientID = a.patientID
        b.patientName = a.patientName
        let local = PracticeClock.local(a.start)
        b.form["date"] = local.date.formatted
        b.form["time"] = local.time.formatted
        b.form["minutes"] = String(a.minutes)
        b.form["reason"] = a.reason
        b.typeIndex = AppointmentType.standard.firstIndex { $0.id == a.type } ?? 0
        b.form.focus = 1
        state.agenda.moving = a.id
        state.agenda.booking = b
    case "agenda.open":
        // From the waiting room (or the day), a doctor opens the file; the
        // patient is then in consultation (readClinical, checked above).
        guard list.indices.contains(state.agenda.selected) else { return [] }
        let a = list[state.agenda.selected]
        state.route = .main(.patients)
        state.patients.openID = a.patientID
        state.patients.tab = .consultations
        var effects: [AppEffect] = []
        if a.status == .arrived || a.status == .booked { effects.append(.agenda(.setAppointmentStatus(a.id, .inConsultation, category: ""))) }
        return effects + [.patients(.openPatient(a.patientID))]
    default:
        return nil
    }
    return []
}

private func handleBooking(_ key: Key, _ state: inout AppState) -> [AppEffect]? {
    guard var b = state.agenda.booking else { return nil }
    // Échap closes the form (it used to put an empty form back, for ever).
    var close = false
    defer {
        state.agenda.booking = close ? nil : b
        if close { state.agenda.moving = nil }
    }
    let today = CivilDate(state.now)
    if key == .escape {
        if b.warning != nil { b.warning = nil; return [] }
        // What was typed is dropped only on a second Échap.
        let typed = b.newPatient.map { $0.hasInput } ?? b.hasInput
        if typed && !b.confirmingDrop {
            b.confirmingDrop = true
            if b.newPatient != nil {
                b.newPatient?.message = "form.drop_confirm"
                b.newPatient?.messageIsError = false
            } else {
                b.form.message = "form.drop_confirm"
                b.form.messageArgs = [:]
                b.form.messageIsError = false
            }
            return []
        }
        b.confirmingDrop = false
        if b.newPatient != nil { b.newPatient = nil; b.form.message = nil; return [] }
        close = true
        return []
    }
    if b.confirmingDrop {
        // Any other key: back to the form, the key used as usual.
        b.confirmingDrop = false
        if b.form.message == "form.drop_confirm" { b.form.message = nil }
        if b.newPatient?.message == "form.drop_confirm" { b.newPatient?.message = nil }
    }
    let save = key == .function(9) || key == .ctrl("s")
    // A warning a doctor may override: Enter books anyway.
    if b.warning != nil {
        if key == .enter || save, state.session.map({ AccessPolicy.allows($0.role, .forceBooking) }) == true {
            b.warning = nil
            return submitBooking(&b, &state, force: true)
        }
        return []
    }
    // A minimal identity typed on the spot.
    if var np = b.newPatient {
        defer { b.newPatient = np }
        if save || (key == .enter && np.isLastFieldFocused) {
            var full = identityForm()
            for f in np.fields { full[f.id] = f.value }
            guard let identity = identity(from: &full, today: today, keeping: nil) else {
                np.fail(full.message ?? "form.error", full.messageArgs)
                if let id = Optional(full.focusedID), np.fields.contains(where: { $0.id == id }) { np.focus(id) }
                return []
            }
            return [.agenda(.quickPatient(identity))]
        }
        switch key {
        case .tab, .enter: np.next()
        case .backTab: np.previous()
        default:
            if case .function = key { return nil }
            _ = np.edit(key)
        }
        return []
    }
    // Choosing the patient.
    if b.patientID == nil {
        switch key {
        case .up: b.chosen = max(0, b.chosen - 1)
        case .down: b.chosen = min(max(0, b.results.count - 1), b.chosen + 1)
        case .enter, .tab:
            guard b.results.indices.contains(b.chosen) else { return [] }
            b.patientID = b.results[b.chosen].id
            b.patientName = b.results[b.chosen].displayName
            b.form.focus = 1
        case .function(8):
            guard state.session.map({ AccessPolicy.allows($0.role, .writeIdentity) }) == true else { return [] }
            var np = Form([
                FormField("birth_name", label: "patient.field.birth_name", maxLength: 80, required: true),
                FormField("first_names", label: "patient.field.first_names", maxLength: 120, required: true),
                FormField("sex", label: "patients.field.sex", maxLength: 1, required: true),
                FormField("birth_date", label: "patients.field.birth_date", maxLength: 10, required: true),
                FormField("phone", label: "patient.field.phone", maxLength: 20),
            ])
            let words = b.query.value.split(separator: " ").filter { !FrenchDate.looksLikeDate(String($0)) }
            if let first = words.first { np["birth_name"] = String(first).capitalized }
            if words.count > 1 { np["first_names"] = words.dropFirst().joined(separator: " ").capitalized }
            np.focus = np.firstMissing ?? 0
            b.newPatient = np
        default:
            if case .function = key { return nil }
            guard b.query.edit(key) else { return [] }
            b.chosen = 0
            return [.agenda(.agendaSearch(b.query.value))]
        }
        return []
    }
    if save || (key == .enter && b.form.isLastFieldFocused) { return submitBooking(&b, &state, force: false) }
    switch key {
    case .tab, .enter: b.form.next()
    case .backTab:
        if b.form.focus == 0 && state.agenda.moving == nil {
            // Back to the choice of the patient.
            b.patientID = nil
        } else {
            b.form.previous()
        }
    case .ctrl("t"), .pageDown:
        b.typeIndex = (b.typeIndex + 1) % AppointmentType.standard.count
        b.form["minutes"] = String(b.type.minutes)
    case .pageUp:
        b.typeIndex = (b.typeIndex - 1 + AppointmentType.standard.count) % AppointmentType.standard.count
        b.form["minutes"] = String(b.type.minutes)
    case .ctrl("f"):
        // The next free slot of this length, from the date typed.
        let minutes = Int(b.form["minutes"]) ?? b.type.minutes
        let day = (try? FrenchDate.parse(b.form["date"])) ?? today
        let from = PracticeClock.instant(day, TimeOfDay(minutes: 0)).map { max($0, state.now) } ?? state.now
        return [.agenda(.nextFreeSlot(from: from, minutes: minutes))]
    default:
        if case .function = key { return nil }
        _ = b.form.edit(key)
    }
    return []
}

private func submitBooking(_ b: inout BookingForm, _ state: inout AppState, force: Bool) -> [AppEffect] {
    guard let patient = b.patientID else { return [] }
    let date: CivilDate
    do { date = try FrenchDate.parse(b.form["date"]) } catch {
        b.form.focus("date")
        b.form.fail(error.messageKey)
        return []
    }
    guard let time = TimeOfDay(parsing: b.form["time"]) else {
        b.form.focus("time")
        b.form.fail("agenda.error.time")
        return []
    }
    guard let minutes = Int(b.form["minutes"]) else {
        b.form.focus("minutes")
        b.form.fail("agenda.error.minutes")
        return []
    }
    let start = PracticeClock.instant(date, time)
    let request = BookingRequest(patient: patient, start: start, minutes: minutes, type: b.type.id, reason: b.form["reason"], force: force)
    if let moving = state.agenda.moving { return [.agenda(.moveAppointment(moving, request))] }
    return [.agenda(.book(request))]
}

/// What a booking asks of the store.
public struct BookingRequest: Sendable, Equatable {
    public let patient: Int64
    /// nil when the local time does not exist (spring DST).
    public let start: Date?
    public let minutes: Int
    public let type: String
    public let reason: String
    public let force: Bool
}

func reduceAgendaResult(_ result: AgendaResult, _ state: inout AppState) -> [AppEffect] {
    switch result {
    case .loaded(let list, let away, let hours, let token):
        state.agenda.appointments = list
        state.agenda.absences = away
        state.agenda.hours = hours
        state.agenda.token = token
        state.agenda.loaded = true
        let count = state.agenda.view == .waiting ? state.agenda.waitingList(state.now).count : state.agenda.dayList(state.now).count
        state.agenda.selected = min(state.agenda.selected, max(0, count - 1))
        // The selection follows the appointment just booked or moved.
        if let id = state.agenda.follow, state.agenda.view != .waiting,
           let i = state.agenda.dayList(state.now).firstIndex(where: { $0.id == id }) {
            state.agenda.selected = i
        }
        state.agenda.follow = nil
    case .patients(let rows):
        state.agenda.booking?.results = rows
        state.agenda.booking?.chosen = 0
    case .created(let id, let name):
        state.agenda.booking?.newPatient = nil
        state.agenda.booking?.patientID = id
        state.agenda.booking?.patientName = name
        state.agenda.booking?.form.focus = 1
    case .booked(let bookedID):
        let wasBooking = state.agenda.booking != nil
        // The view goes to the day booked, the new appointment selected.
        if let day = try? FrenchDate.parse(state.agenda.booking?.form["date"] ?? "") { state.agenda.date = day }
        state.agenda.follow = bookedID
        state.agenda.booking = nil
        state.agenda.moving = nil
        if wasBooking { state.agenda.say("agenda.booked") }
        return reload(state)
    case .changed:
        let moved = state.agenda.moving != nil
        let wasBooking = state.agenda.booking != nil
        if moved {
            // The view and the selection follow the moved appointment.
            if let day = try? FrenchDate.parse(state.agenda.booking?.form["date"] ?? "") { state.agenda.date = day }
            state.agenda.follow = state.agenda.moving
        }
        state.agenda.booking = nil
        state.agenda.moving = nil
        if wasBooking { state.agenda.say(moved ? "agenda.moved" : "agenda.booked") }
        return reload(state)
    case .slot(let date):
        guard let date else {
            state.agenda.booking?.form.fail("agenda.no_free_slot")
            return []
        }
        let local = PracticeClock.local(date)
        state.agenda.booking?.form["date"] = local.date.formatted
        state.agenda.booking?.form["time"] = local.time.formatted
    case .failed(let error):
        if state.agenda.booking != nil {
            switch error {
            case .agenda(.bookingNeedsForce(let key, let args)):
                state.agenda.booking?.warning = key
                state.agenda.booking?.warningArgs = args
            default:
                if state.agenda.booking?.newPatient != nil {
                    state.agenda.booking?.newPatient?.fail(error)
                } else {
                    state.agenda.booking?.form.fail(error)
                }
            }
        } else {
            state.agenda.say(error)
        }
    }
    return []
}
