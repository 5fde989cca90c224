import CabinetCore
import Foundation
import TerminalUI

// The appointment book drawn from its state (pure functions).

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
            let lines = wrap(c.notice(m, a.messageArgs, a.failure), width: canvas.columns - 4).prefix(3)
            let y0 = canvas.rows - 3 - lines.count
            canvas.fill(Rect(x: 0, y: y0, width: canvas.columns, height: lines.count), style: .normal)
            for (i, line) in lines.enumerated() {
                canvas.put(line, x: 2, y: y0 + i, style: Style(.error, bold: true), maxWidth: canvas.columns - 4)
            }
        }
    } else if let m = a.message, a.booking == nil {
        // Whole: a message longer than the row takes the rows above it
        // (the day's keys) until the next key.
        let lines = wrap(c.notice(m, a.messageArgs, a.failure), width: canvas.columns - 4).prefix(3)
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
            let text = c.text(warning, b.warningArgs) + " " + c.text(state.session.map({ AccessPolicy.allows($0.role, .forceBooking) }) == true ? "agenda.force_doctor" : "agenda.force_other")
            for line in wrap(text, width: inner).prefix(3) {
                y += 1
                canvas.put(line, x: 3, y: y, style: Style(.warning, bold: true), maxWidth: inner)
            }
        }
    }
    drawPaneKeys(c.text("agenda.booking_keys"), rect: rect, inner: inner, &canvas)
}
