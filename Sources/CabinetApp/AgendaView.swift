import CabinetCore
import Foundation
import TerminalUI

/// The appointment book's screens: day, week, waiting room; quick booking.
public struct AgendaState: Codable, Equatable, Sendable {
    public enum View: String, Codable, Sendable { case day, week, waiting }
    public var view: View = .day
    /// The day shown (its week in the week view); nil: today.
    public var date: CivilDate?
    public var selected = 0
    public var booking: BookingForm?
    /// Moving the selected appointment: its id and the new date and time.
    public var moving: Int64?
    /// Choosing who cancels: the appointment's id.
    public var cancelling: Int64?
    /// A no-show asked before the appointment's time: its id, until Enter
    /// confirms or Échap drops it.
    public var confirmingNoShow: Int64?
    /// The appointment just booked or moved: selected once its day is loaded.
    public var follow: Int64?
    public var goTo: FormField?
    // Loaded (never drafted).
    public var appointments: [Appointment] = []
    public var absences: [Absence] = []
    public var hours: OpeningHours = .standard
    public var token = ""
    public var message: String?
    public var messageArgs: [String: String] = [:]
    public var messageIsError = false
    public var loaded = false

    public init() {}

    enum CodingKeys: String, CodingKey { case view, date, selected, booking, moving, cancelling, goTo }

    var hasUnsavedInput: Bool { booking?.hasInput ?? false }

    mutating func say(_ key: String, _ args: [String: String] = [:], error: Bool = false) {
        message = key
        messageArgs = args
        messageIsError = error
    }

    func day(_ now: Date) -> CivilDate { date ?? PracticeClock.local(now).date }

    /// The range loaded for the current view.
    public func range(_ now: Date) -> (Date, Date) {
        let d = day(now)
        switch view {
        case .day, .waiting:
            return PracticeClock.dayBounds(view == .waiting ? PracticeClock.local(now).date : d)
        case .week:
            let monday = d.monday
            return (PracticeClock.dayBounds(monday).0, PracticeClock.dayBounds(monday.adding(days: 6) ?? monday).1)
        }
    }

    /// The appointments of the day shown, by start (cancelled ones last).
    func dayList(_ now: Date) -> [Appointment] {
        let d = day(now)
        return appointments.filter { PracticeClock.local($0.start).date == d }
    }

    /// What the arrows select and the keys act on, as the view shows it:
    /// the day's appointments; in the week view, those of the chosen day
    /// that hold their slot (the column drawn); the waiting room's list.
    func actionable(_ now: Date) -> [Appointment] {
        switch view {
        case .day: return dayList(now)
        case .week: return dayList(now).filter { $0.status.holdsSlot }
        case .waiting: return waitingList(now)
        }
    }

    func waitingList(_ now: Date) -> [Appointment] {
        let today = PracticeClock.local(now).date
        return appointments.filter { PracticeClock.local($0.start).date == today && ($0.status == .arrived || $0.status == .inConsultation) }
            .sorted { ($0.arrivedAt ?? $0.start) < ($1.arrivedAt ?? $1.start) }
    }
}

/// The quick booking: a patient found as in the patient file (or created
/// with a minimal identity), then the date, time, length, type and an
/// optional reason.
public struct BookingForm: Codable, Equatable, Sendable {
    public var query = FormField("query", label: "agenda.field.patient", maxLength: 80)
    public var results: [PatientSummary] = []
    public var chosen = 0
    public var patientID: Int64?
    public var patientName = ""
    public var form = Form([
        FormField("date", label: "agenda.field.date", maxLength: 10, required: true),
        FormField("time", label: "agenda.field.time", maxLength: 5, required: true),
        FormField("minutes", label: "agenda.field.minutes", maxLength: 3, required: true),
        FormField("reason", label: "agenda.field.reason", maxLength: 120),
    ])
    public var typeIndex = 0
    /// A new patient typed on the spot (birth name, first names, date, sex).
    public var newPatient: Form?
    /// A warning a doctor may override (Enter books anyway).
    public var warning: String?
    public var warningArgs: [String: String] = [:]
    /// Échap was pressed on typed input: a second Échap drops it, any
    /// other key goes on with the form (never kept in a draft).
    public var confirmingDrop = false

    enum CodingKeys: String, CodingKey { case query, chosen, patientID, patientName, form, typeIndex, newPatient }

    var hasInput: Bool { !query.value.isEmpty || patientID != nil || newPatient?.hasInput == true }
    var type: AppointmentType { AppointmentType.standard[min(max(typeIndex, 0), AppointmentType.standard.count - 1)] }
}

public enum AgendaResult: Sendable, Equatable {
    case loaded([Appointment], [Absence], OpeningHours, token: String)
    case patients([PatientSummary])
    case created(Int64, name: String)
    case booked(Int64)
    case changed
    case slot(Date?)
    case failed(CabinetError)
}

// MARK: - Reducer

func enterAgenda(_ state: inout AppState) -> [AppEffect] {
    let (from, to) = state.agenda.range(state.now)
    return [.loadAgenda(from: from, to: to)]
}

private func reload(_ state: AppState) -> [AppEffect] {
    let (from, to) = state.agenda.range(state.now)
    return [.loadAgenda(from: from, to: to)]
}

func handleAgenda(_ key: Key, _ state: inout AppState) -> [AppEffect]? {
    if state.agenda.booking != nil { return handleBooking(key, &state) }
    if let id = state.agenda.confirmingNoShow {
        state.agenda.confirmingNoShow = nil
        if key == .enter { return [.setAppointmentStatus(id, .noShow, category: "")] }
        return []
    }
    if let id = state.agenda.cancelling {
        switch key {
        case .char("p"), .char("1"):
            state.agenda.cancelling = nil
            return [.setAppointmentStatus(id, .cancelledByPatient, category: "patient")]
        case .char("c"), .char("2"):
            state.agenda.cancelling = nil
            return [.setAppointmentStatus(id, .cancelledByPractice, category: "practice")]
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
        return [.nextFreeSlot(from: max(from, state.now), minutes: b.type.minutes)]
    case "agenda.status":
        guard list.indices.contains(state.agenda.selected) else { return [] }
        let a = list[state.agenda.selected]
        guard !a.status.isCancelled else { return [] }
        return [.setAppointmentStatus(a.id, a.status.next, category: "")]
    case "agenda.noshow":
        guard list.indices.contains(state.agenda.selected) else { return [] }
        let a = list[state.agenda.selected]
        // Not before its time without a confirmation that names it.
        if state.now < a.start {
            state.agenda.confirmingNoShow = a.id
            return []
        }
        return [.setAppointmentStatus(a.id, .noShow, category: "")]
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
        if a.status == .arrived || a.status == .booked { effects.append(.setAppointmentStatus(a.id, .inConsultation, category: "")) }
        return effects + [.openPatient(a.patientID)]
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
        if key == .enter || save, state.session?.role.isDoctor == true {
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
            return [.quickPatient(identity)]
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
            return [.agendaSearch(b.query.value)]
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
        return [.nextFreeSlot(from: from, minutes: minutes)]
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
    if let moving = state.agenda.moving { return [.moveAppointment(moving, request)] }
    return [.book(request)]
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
            case .bookingNeedsForce(let key, let args):
                state.agenda.booking?.warning = key
                state.agenda.booking?.warningArgs = args
            default:
                let said = error.message(state.catalog)
                if state.agenda.booking?.newPatient != nil {
                    state.agenda.booking?.newPatient?.fail("signin.error", ["message": said])
                } else {
                    state.agenda.booking?.form.fail("signin.error", ["message": said])
                }
            }
        } else {
            state.agenda.say("signin.error", ["message": error.message(state.catalog)], error: true)
        }
    }
    return []
}

// MARK: - Views

func drawAgenda(_ state: AppState, _ c: Catalog, _ canvas: inout Canvas) {
    let a = state.agenda
    let day = a.day(state.now)
    let title: String
    switch a.view {
    case .day: title = longDate(day, c)
    case .week: title = c.text("agenda.week_of", ["date": day.monday.formatted])
    case .waiting: title = c.text("agenda.waiting_title")
    }
    let labels = [AgendaState.View.day, .week, .waiting].map { ($0, " " + c.text("agenda.view.\($0.rawValue)") + " ") }
    var x = canvas.columns - 1 - labels.reduce(0) { $0 + DisplayWidth.of($1.1) + 1 }
    // The title never runs under the view tabs: in a narrow terminal the
    // day is said shorter ("Mer. 02/12/2026").
    let room = max(0, x - 3)
    var shown = title
    if DisplayWidth.of(shown) > room, a.view == .day {
        let short = c.text("agenda.weekdays").split(separator: ",").map(String.init)
        shown = (short.indices.contains(day.isoWeekday - 1) ? short[day.isoWeekday - 1] + " " : "") + day.formatted
    }
    canvas.put(shown, x: 2, y: 2, style: Style(.title, bold: true), maxWidth: room)
    for (v, label) in labels {
        x += canvas.put(label, x: x, y: 2, style: v == a.view ? Style(.selection, bold: true) : Style(.muted)) + 1
    }
    switch a.view {
    case .day: drawDay(state, c, &canvas)
    case .week: drawWeek(state, c, &canvas)
    case .waiting: drawWaiting(state, c, &canvas)
    }
    if let b = a.booking { drawBooking(b, state, c, &canvas) }
    // Every confirmation names the appointment it acts on.
    func named(_ id: Int64) -> [String: String] {
        guard let ap = a.appointments.first(where: { $0.id == id }) else { return ["name": "", "time": ""] }
        let local = PracticeClock.local(ap.start)
        return ["name": ap.patientName, "time": local.date.formatted + " " + local.time.formatted]
    }
    if let id = a.cancelling ?? a.confirmingNoShow {
        let text = c.text(a.cancelling != nil ? "agenda.cancel_ask" : "agenda.noshow_ask", named(id))
        let w = min(canvas.columns - 4, 64)
        let lines = Array(wrap(text, width: w - 4).prefix(5))
        let x0 = (canvas.columns - w) / 2, y0 = canvas.rows / 2 - 2
        canvas.fill(Rect(x: x0, y: y0, width: w, height: lines.count + 2), style: .normal)
        canvas.box(Rect(x: x0, y: y0, width: w, height: lines.count + 2), style: Style(.warning, bold: true))
        for (i, line) in lines.enumerated() {
            canvas.put(line, x: x0 + 2, y: y0 + 1 + i, style: Style(.warning), maxWidth: w - 4)
        }
    }
    if let g = a.goTo {
        // On the message row, whole: never over the day's keys; what is
        // wrong with the date typed just above it.
        canvas.fill(Rect(x: 0, y: canvas.rows - 3, width: canvas.columns, height: 1), style: .normal)
        drawForm(Form([g]), in: Rect(x: 2, y: canvas.rows - 3, width: min(50, canvas.columns - 4), height: 1), labelWidth: 24, c, &canvas)
        if let m = a.message {
            let lines = wrap(c.text(m, a.messageArgs), width: canvas.columns - 4).prefix(3)
            let y0 = canvas.rows - 3 - lines.count
            canvas.fill(Rect(x: 0, y: y0, width: canvas.columns, height: lines.count), style: .normal)
            for (i, line) in lines.enumerated() {
                canvas.put(line, x: 2, y: y0 + i, style: Style(.error, bold: true), maxWidth: canvas.columns - 4)
            }
        }
    } else if let m = a.message, a.booking == nil {
        // Whole: a message longer than the row takes the rows above it
        // (the day's keys) until the next key.
        let lines = wrap(c.text(m, a.messageArgs), width: canvas.columns - 4).prefix(3)
        let y0 = canvas.rows - 2 - lines.count
        canvas.fill(Rect(x: 0, y: y0, width: canvas.columns, height: lines.count), style: .normal)
        for (i, line) in lines.enumerated() {
            canvas.put(line, x: 2, y: y0 + i, style: a.messageIsError ? Style(.error, bold: true) : Style(.success),
                       maxWidth: canvas.columns - 4)
        }
    }
}

/// "Lundi 23 novembre 2026", from the catalogue's names (no DateFormatter
/// per frame: building one costs about a millisecond on Linux).
func longDate(_ d: CivilDate, _ c: Catalog) -> String {
    let weekdays = c.text("agenda.weekdays_long").split(separator: ",").map(String.init)
    let months = c.text("date.months").split(separator: ",").map(String.init)
    return c.text("date.long", ["weekday": weekdays.indices.contains(d.isoWeekday - 1) ? weekdays[d.isoWeekday - 1] : "",
                                "day": String(d.day), "month": months.indices.contains(d.month - 1) ? months[d.month - 1] : "",
                                "year": String(d.year)])
}

private func statusStyle(_ s: AppointmentStatus, selected: Bool) -> Style {
    if selected { return Style(.selection, bold: true) }
    switch s {
    case .booked: return .normal
    case .arrived: return Style(.warning, bold: true)
    case .inConsultation: return Style(.success, bold: true)
    case .seen: return Style(.muted)
    case .noShow, .cancelledByPatient, .cancelledByPractice: return Style(.disabled)
    }
}

private func drawDay(_ state: AppState, _ c: Catalog, _ canvas: inout Canvas) {
    let a = state.agenda
    let day = a.day(state.now)
    let list = a.dayList(state.now)
    let ranges = a.hours.ranges(on: day)
    // The count and the keys under the day, wrapped (never cut) above the
    // message row.
    let summary = wrap(c.text("agenda.day_summary", ["n": String(list.filter { $0.status.holdsSlot }.count)]),
                       width: canvas.columns - 4).prefix(2)
    let top = 4, bottom = canvas.rows - 3 - summary.count
    let room = bottom - top
    func drawSummary() {
        for (i, line) in summary.enumerated() {
            canvas.put(line, x: 2, y: bottom + i, style: Style(.muted), maxWidth: canvas.columns - 4)
        }
    }
    guard let open = ranges.map(\.start.minutes).min(), let close = ranges.map(\.end.minutes).max() else {
        canvas.put(c.text("agenda.closed"), x: 2, y: top, style: Style(.muted))
        drawAppointmentRows(list, state, c, &canvas, top: top + 2, bottom: bottom)
        drawSummary()
        return
    }
    // The rows: a tick every half hour of the opening hours, each
    // appointment on its own row at its time (replacing a tick at the same
    // minute), the time now marked; scrolled to keep the selection in view.
    enum RowKind { case tick(Int), appointment(Int), now }
    var rows: [(minute: Int, order: Int, kind: RowKind)] = []
    let nowLocal = PracticeClock.local(state.now)
    let starts = list.map { PracticeClock.local($0.start).time.minutes }
    for t in stride(from: open - open % 30, to: close, by: 30) where t >= open || t + 30 > open {
        if !starts.contains(t) { rows.append((t, 1, .tick(t))) }
    }
    for (i, m) in starts.enumerated() { rows.append((m, 2, .appointment(i))) }
    if nowLocal.date == day { rows.append((nowLocal.time.minutes, 0, .now)) }
    rows.sort { ($0.minute, $0.order) < ($1.minute, $1.order) }
    let focus = rows.firstIndex { if case .appointment(let i) = $0.kind { return i == a.selected }; return false }
        ?? rows.firstIndex { if case .now = $0.kind { return true }; return false } ?? 0
    // When the day does not fit, the last line says how many appointments
    // are below (and the first how many above) instead of hiding them.
    func appointments(_ slice: ArraySlice<(minute: Int, order: Int, kind: RowKind)>) -> Int {
        slice.filter { if case .appointment = $0.kind { return true }; return false }.count
    }
    var shown = room
    var offset = max(0, min(focus - shown / 2, rows.count - shown))
    let hidden = rows.count > room && appointments(rows.prefix(offset)) + appointments(rows.dropFirst(offset + shown)) > 0
    if hidden {
        shown = max(1, room - 1)
        offset = max(0, min(focus - shown / 2, rows.count - shown))
    }
    if hidden {
        let above = appointments(rows.prefix(offset)), below = appointments(rows.dropFirst(offset + shown))
        var parts: [String] = []
        if above > 0 { parts.append(c.text("agenda.more_above", ["n": String(above)])) }
        if below > 0 { parts.append(c.text("agenda.more_below", ["n": String(below)])) }
        if !parts.isEmpty {
            canvas.put(parts.joined(separator: " · "), x: 2, y: top + shown, style: Style(.warning, bold: true),
                       maxWidth: canvas.columns - 4)
        }
    }
    for (r, row) in rows.dropFirst(offset).prefix(shown).enumerated() {
        let y = top + r
        switch row.kind {
        case .now:
            canvas.put("▶ " + nowLocal.time.formatted + " " + String(repeating: "─", count: max(0, canvas.columns - 12)), x: 1, y: y,
                       style: Style(.error, bold: true), maxWidth: canvas.columns - 2)
        case .tick(let t):
            let isOpen = ranges.contains { t >= $0.start.minutes && t < $0.end.minutes }
            canvas.put(TimeOfDay(minutes: t).formatted, x: 2, y: y, style: isOpen ? Style(.muted) : Style(.disabled))
            let busy = list.contains { $0.status.holdsSlot && PracticeClock.local($0.start).time.minutes < t
                && PracticeClock.local($0.end).time.minutes > t }
            let away = a.absences.contains { ab in
                guard let at = PracticeClock.instant(day, TimeOfDay(minutes: t)) else { return false }
                return ab.start <= at && ab.end > at
            }
            if busy {
                canvas.put("│", x: 9, y: y, style: Style(.muted))
            } else if away {
                canvas.put(c.text("agenda.absent"), x: 9, y: y, style: Style(.disabled))
            } else if !isOpen {
                canvas.put("·", x: 9, y: y, style: Style(.disabled))
            }
        case .appointment(let i):
            let ap = list[i]
            let selected = i == a.selected
            let local = PracticeClock.local(ap.start).time
            canvas.put(local.formatted, x: 2, y: y, style: Style(.normal, bold: true))
            var text = c.text("agenda.minutes", ["n": String(ap.minutes)]) + "  " + ap.patientName + " · " + c.text("agenda.type.\(ap.type)")
                + " · " + c.text(ap.status.labelKey)
            if !ap.reason.isEmpty && canvas.columns >= 110 { text += " — " + ap.reason }
            if selected { canvas.fill(Rect(x: 8, y: y, width: canvas.columns - 10, height: 1), style: Style(.selection)) }
            canvas.put(text, x: 9, y: y, style: statusStyle(ap.status, selected: selected), maxWidth: canvas.columns - 11)
        }
    }
    drawSummary()
}

private func drawAppointmentRows(_ list: [Appointment], _ state: AppState, _ c: Catalog, _ canvas: inout Canvas, top: Int, bottom: Int) {
    var y = top
    for (i, ap) in list.enumerated() where y < bottom {
        let text = PracticeClock.local(ap.start).time.formatted + " " + ap.patientName + " · " + c.text(ap.status.labelKey)
        canvas.put(text, x: 2, y: y, style: statusStyle(ap.status, selected: i == state.agenda.selected), maxWidth: canvas.columns - 4)
        y += 1
    }
}

private func drawWeek(_ state: AppState, _ c: Catalog, _ canvas: inout Canvas) {
    let a = state.agenda
    let monday = a.day(state.now).monday
    let days = a.hours.days[7] == nil ? 6 : 7
    let colWidth = max(10, (canvas.columns - 2) / days)
    let top = 4, bottom = canvas.rows - 4
    let today = PracticeClock.local(state.now).date
    let names = c.text("agenda.weekdays").split(separator: ",").map(String.init)
    // One pass over the week's appointments (a week may hold hundreds).
    // Indices and local times only: copying an appointment retains its
    // strings.
    let first = monday.dayNumber
    var byDay = [[(index: Int, time: TimeOfDay)]](repeating: [], count: 7)
    let all = a.appointments
    for i in all.indices where all[i].status.holdsSlot {
        let local = PracticeClock.local(all[i].start)
        let k = local.date.dayNumber - first
        if k >= 0 && k < 7 { byDay[k].append((i, local.time)) }
    }
    let chosen = a.day(state.now)
    for i in 0..<days {
        guard let d = monday.adding(days: i) else { continue }
        let x = 1 + i * colWidth
        let head = (names.indices.contains(i) ? names[i] : "") + " " + String(d.formatted.prefix(5))
        let headStyle = d == chosen ? Style(.selection, bold: true) : d == today ? Style(.warning, bold: true) : Style(.title, bold: true)
        canvas.put(head, x: x, y: top, style: headStyle, maxWidth: colWidth - 1)
        var y = top + 1
        let list = byDay[i]
        // The chosen day's column scrolls to keep its selection in view.
        let room = max(1, bottom - y)
        let first = d == chosen ? max(0, min(a.selected - room + 1, list.count - room)) : 0
        for (row, (index, time)) in list.enumerated().dropFirst(first).prefix(room) {
            let selected = d == chosen && row == a.selected
            canvas.put(time.formatted + " " + all[index].patientName, x: x, y: y,
                       style: statusStyle(all[index].status, selected: selected), maxWidth: colWidth - 1)
            y += 1
        }
        if list.count > bottom - top - 1 && d != chosen {
            canvas.put(c.text("agenda.more", ["n": String(list.count - (bottom - top - 2))]), x: x, y: bottom - 1, style: Style(.muted),
                       maxWidth: colWidth - 1)
        }
        canvas.put(c.text("agenda.count", ["n": String(list.count)]), x: x, y: bottom, style: Style(.muted), maxWidth: colWidth - 1)
    }
}

private func drawWaiting(_ state: AppState, _ c: Catalog, _ canvas: inout Canvas) {
    let list = state.agenda.waitingList(state.now)
    let top = 4
    canvas.put(c.text("agenda.waiting_header"), x: 2, y: top, style: Style(.title, bold: true), maxWidth: canvas.columns - 4)
    var y = top + 1
    for (i, ap) in list.enumerated() where y < canvas.rows - 4 {
        let arrived = ap.arrivedAt.map { PracticeClock.local($0).time.formatted } ?? "—"
        let waited = ap.arrivedAt.map { max(0, Int(state.now.timeIntervalSince($0) / 60)) } ?? 0
        // The wait counts only while the patient waits: once gone in, no
        // growing figure (the time of going in is not recorded).
        let waiting = ap.status == .arrived
        let waitText = waiting ? c.text("agenda.waited", ["n": String(waited)]) : c.text("agenda.went_in")
        let text = arrived + "   " + waitText.padding(toLength: 14, withPad: " ", startingAt: 0)
            + PracticeClock.local(ap.start).time.formatted + "  " + ap.patientName + " · " + c.text(ap.status.labelKey)
        canvas.put(text, x: 2, y: y, style: statusStyle(ap.status, selected: i == state.agenda.selected), maxWidth: canvas.columns - 4)
        y += 1
    }
    if list.isEmpty { canvas.put(c.text("agenda.waiting_empty"), x: 2, y: y, style: Style(.muted)) }
}

private func drawBooking(_ b: BookingForm, _ state: AppState, _ c: Catalog, _ canvas: inout Canvas) {
    let (rect, inner) = drawPane(&canvas)
    let moving = state.agenda.moving != nil
    canvas.put(" " + c.text(moving ? "agenda.move_title" : "agenda.book_title") + " ", x: 3, y: 2, style: Style(.title, bold: true))
    var y = 3
    if let np = b.newPatient {
        canvas.put(c.text("agenda.new_patient"), x: 3, y: y, style: Style(.normal, bold: true), maxWidth: inner)
        y += 2
        y = drawForm(np, in: Rect(x: 3, y: y, width: inner, height: np.fields.count), labelWidth: 24, c, &canvas)
        drawMessage(np, x: 3, y: y + 1, width: inner, c, &canvas)
    } else if b.patientID == nil {
        var f = Form([b.query])
        f.focus = 0
        y = drawForm(f, in: Rect(x: 3, y: y, width: min(inner, 70), height: 1), labelWidth: 12, c, &canvas)
        canvas.put(c.text("agenda.patient_hint"), x: 3, y: y, style: Style(.muted), maxWidth: inner)
        y += 2
        for (i, p) in b.results.enumerated().prefix(rect.height - 9) {
            let style: Style = i == b.chosen ? Style(.selection, bold: true) : .normal
            canvas.put(p.displayName + (p.flags.deceasedOn != nil ? " †" : ""), x: 3, y: y, style: style, maxWidth: inner - 24)
            canvas.put(p.birthDate.formatted, x: 3 + inner - 22, y: y, style: style)
            y += 1
        }
        if b.confirmingDrop {
            for (i, line) in wrap(c.text("form.drop_confirm"), width: inner).prefix(2).enumerated() {
                canvas.put(line, x: 3, y: rect.y + rect.height - 3 + i, style: Style(.warning, bold: true), maxWidth: inner)
            }
        }
    } else {
        canvas.put(c.text("agenda.field.patient") + " " + b.patientName, x: 3, y: y, style: Style(.normal, bold: true), maxWidth: inner)
        y += 1
        canvas.put(c.text("agenda.field.type") + " ◂ " + c.text(b.type.labelKey) + " ▸", x: 3, y: y, style: Style(.input, bold: true),
                   maxWidth: inner)
        y += 2
        y = drawForm(b.form, in: Rect(x: 3, y: y, width: min(inner, 80), height: b.form.fields.count), labelWidth: 24, c, &canvas)
        for line in wrap(c.text("agenda.reason_hint"), width: inner).prefix(2) {
            canvas.put(line, x: 3, y: y, style: Style(.muted), maxWidth: inner)
            y += 1
        }
        y += 1
        drawMessage(b.form, x: 3, y: y, width: inner, c, &canvas)
        if let warning = b.warning {
            let text = c.text(warning, b.warningArgs) + " " + c.text(state.session?.role.isDoctor == true ? "agenda.force_doctor" : "agenda.force_other")
            for line in wrap(text, width: inner).prefix(3) {
                y += 1
                canvas.put(line, x: 3, y: y, style: Style(.warning, bold: true), maxWidth: inner)
            }
        }
    }
    drawPaneKeys(c.text("agenda.booking_keys"), rect: rect, inner: inner, &canvas)
}
