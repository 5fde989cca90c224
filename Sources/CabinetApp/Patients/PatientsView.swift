import CabinetCore
import Foundation
import TerminalUI

// The patient module drawn from its state (pure functions).

// MARK: - View

func drawPatients(_ state: AppState, _ c: Catalog, _ canvas: inout Canvas) {
    let p = state.patients
    if p.openID != nil, let record = p.record {
        drawFile(record, state, c, &canvas)
    } else {
        drawList(state, c, &canvas)
    }
    if let editor = p.editor { drawPatientEditor(editor, state, c, &canvas) }
    if let ref = p.reading { drawReading(ref, state, c, &canvas) }
    if let doc = p.viewing { drawDocument(doc, p.viewScroll, c, &canvas) }
    if p.duplicateOf != nil {
        let text = c.text("patients.duplicate", ["id": String(p.duplicateOf ?? 0)])
        let w = min(canvas.columns - 4, 70)
        let lines = wrap(text, width: w - 4)
        let x0 = (canvas.columns - w) / 2, y0 = canvas.rows / 2 - 2
        canvas.fill(Rect(x: x0, y: y0, width: w, height: lines.count + 2), style: .normal)
        canvas.box(Rect(x: x0, y: y0, width: w, height: lines.count + 2), style: Style(.warning, bold: true))
        for (i, line) in lines.enumerated() { canvas.put(line, x: x0 + 2, y: y0 + 1 + i, style: Style(.warning), maxWidth: w - 4) }
    }
    if let m = p.message, p.editor == nil {
        canvas.put(c.notice(m, p.messageArgs, p.failure), x: 2, y: canvas.rows - 3,
                   style: p.messageIsError ? Style(.error, bold: true) : Style(.success), maxWidth: canvas.columns - 4)
    }
}

/// The age today, or at death: a deceased patient's age stops there.
private func ageText(_ birth: CivilDate, _ state: AppState, _ c: Catalog, deceasedOn: CivilDate? = nil) -> String {
    c.text("patients.age", ["n": String(birth.age(on: deceasedOn ?? CivilDate(state.now)))])
}

/// Whose record a form writes into: name, age, record number (every
/// clinical form and every identity change shows it).
private func whose(_ state: AppState, _ c: Catalog) -> String? {
    guard let r = state.patients.record, state.patients.openID == r.id else { return nil }
    return c.text("patients.whose", ["name": r.identity.displayName,
                                     "age": ageText(r.identity.birthDate, state, c, deceasedOn: r.flags.deceasedOn),
                                     "id": String(r.id)])
}

/// The allergies in force, for the banner under the patient's header and
/// over a consultation being written (doctors: the entries are theirs to
/// see). Nil when the entries are not loaded (the front desk).
private func allergyBanner(_ state: AppState, _ c: Catalog) -> (text: String, known: Bool)? {
    guard state.session.map({ AccessPolicy.allows($0.role, .readClinical) }) == true, state.patients.record != nil else { return nil }
    let allergies = state.patients.entries.filter { $0.kind == .allergy }.compactMap { e -> String? in
        let s = (e.fields["substance"] ?? "").trimmingCharacters(in: .whitespaces)
        return s.isEmpty ? nil : s
    }
    if allergies.isEmpty { return (c.text("patients.allergies_none"), false) }
    return (c.text("patients.allergies", ["list": allergies.joined(separator: ", ")]), true)
}

private func drawList(_ state: AppState, _ c: Catalog, _ canvas: inout Canvas) {
    let p = state.patients
    let w = canvas.columns
    let label = c.text("patients.search") + " "
    canvas.put(label, x: 2, y: 3, style: Style(.normal, bold: true))
    var searchForm = Form([p.query])
    searchForm.focus = 0
    _ = drawForm(searchForm, in: Rect(x: 2, y: 3, width: min(w - 4, 60), height: 1), labelWidth: DisplayWidth.of(label) + 1, c, &canvas)
    for (i, line) in wrap(c.text("patients.search_hint"), width: w - 4).prefix(2).enumerated() {
        canvas.put(line, x: 2, y: 4 + i, style: Style(.muted), maxWidth: w - 4)
    }
    let y0 = 6
    canvas.put(c.text("patients.col.name"), x: 2, y: y0, style: Style(.title, bold: true))
    canvas.put(c.text("patients.col.birth"), x: w - 34, y: y0, style: Style(.title, bold: true))
    canvas.put(c.text("patients.col.sex"), x: w - 12, y: y0, style: Style(.title, bold: true))
    let room = canvas.rows - y0 - 5
    let first = max(0, p.selected - room + 1)
    var y = y0 + 1
    for (i, row) in p.results.enumerated().dropFirst(first).prefix(room) {
        let selected = i == p.selected
        let style: Style = selected ? Style(.selection, bold: true) : .normal
        if selected { canvas.fill(Rect(x: 1, y: y, width: w - 2, height: 1), style: style) }
        var name = row.displayName
        if row.flags.deceasedOn != nil { name += " †" }
        if row.flags.limited { name += " " + c.text("patients.limited_short") }
        canvas.put(name, x: 2, y: y, style: style, maxWidth: w - 38)
        canvas.put(row.birthDate.formatted + " (" + ageText(row.birthDate, state, c, deceasedOn: row.flags.deceasedOn) + ")", x: w - 34, y: y,
                   style: style, maxWidth: 22)
        canvas.put(c.text("sex.short.\(row.sex.rawValue)"), x: w - 12, y: y, style: style)
        y += 1
    }
    let summary: String
    if p.query.value.trimmingCharacters(in: .whitespaces).isEmpty {
        summary = c.text("patients.count", ["n": String(p.total)])
    } else if p.results.isEmpty && p.loaded {
        summary = c.text("patients.none", ["query": ""])
    } else {
        summary = c.text("patients.found", ["n": String(p.results.count), "total": String(p.total)])
    }
    canvas.put(summary, x: 2, y: canvas.rows - 4, style: Style(.muted), maxWidth: w - 4)
}

private func drawFile(_ record: PatientRecord, _ state: AppState, _ c: Catalog, _ canvas: inout Canvas) {
    let p = state.patients
    let w = canvas.columns
    let id = record.identity
    var header = id.displayName + " — " + c.text(id.sex == .female ? "patients.born_f" : "patients.born",
                                                    ["date": id.birthDate.formatted]) + " ("
        + ageText(id.birthDate, state, c, deceasedOn: record.flags.deceasedOn) + ")"
    header += "  " + c.text("patients.number", ["id": String(record.id)])
    canvas.put(header, x: 2, y: 2, style: Style(.title, bold: true), maxWidth: w - 4)
    var x = 2
    if let d = record.flags.deceasedOn {
        x += canvas.put(" " + c.text("patients.deceased", ["date": d.formatted]) + " ", x: x, y: 3, style: Style(.warning, reverse: true)) + 1
    }
    if record.flags.limited {
        x += canvas.put(" " + c.text("patients.limited_banner") + " ", x: x, y: 3, style: Style(.error, bold: true, reverse: true)) + 1
    }
    if let (text, known) = allergyBanner(state, c), x < w - 4 {
        canvas.put(" " + text + " ", x: x, y: 3, style: known ? Style(.error, bold: true, reverse: true) : Style(.muted),
                   maxWidth: w - 2 - x)
    }
    // Tabs (short labels when the full ones do not fit).
    let tabs = PatientTab.visible(to: state.session?.role)
    let full = tabs.reduce(0) { $0 + DisplayWidth.of(c.text("patients.tab.\($1.rawValue)")) + 3 } <= w - 2
    var tx = 2
    for tab in tabs {
        let label = " " + c.text((full ? "patients.tab." : "patients.tabshort.") + tab.rawValue) + " "
        tx += canvas.put(label, x: tx, y: 4, style: tab == p.tab ? Style(.selection, bold: true) : Style(.muted)) + 1
    }
    let top = 6, bottom = canvas.rows - 4
    switch p.tab {
    case .identity: drawIdentity(id, c, &canvas, top: top, bottom: bottom)
    case .history: drawHistory(p, c, &canvas, top: top, bottom: bottom)
    case .consultations: drawConsultations(p, c, &canvas, top: top, bottom: bottom)
    case .vitals: drawVitals(p, c, &canvas, top: top, bottom: bottom)
    default: drawEntryList(p, c, &canvas, top: top, bottom: bottom)
    }
}

private func drawIdentity(_ id: PatientIdentity, _ c: Catalog, _ canvas: inout Canvas, top: Int, bottom: Int) {
    let nir = id.nir.isEmpty ? "" : ((try? NIR(id.nir))?.formatted ?? id.nir)
    let rows: [(String, String)] = [
        ("patient.field.birth_name", id.birthName), ("patient.field.used_name", id.usedName),
        ("patient.field.first_names", id.firstNames), ("patients.field.sex", c.text("sex.\(id.sex == .female ? "female" : id.sex == .male ? "male" : "indeterminate")")),
        ("patients.field.birth_date", id.birthDate.formatted), ("patient.field.birth_place", id.birthPlace),
        ("patient.field.address_line1", [id.addressLine1, id.addressLine2].filter { !$0.isEmpty }.joined(separator: ", ")),
        ("patient.field.city", [id.postcode, id.city].filter { !$0.isEmpty }.joined(separator: " ")),
        ("patient.field.phone", shownPhone(id.phone)), ("patient.field.mobile", shownPhone(id.mobile)), ("patient.field.email", id.email),
        ("patient.field.profession", id.profession), ("patients.field.nir", nir),
        ("patients.field.ins", id.ins.isEmpty ? "" : id.ins + " (" + c.text(id.insStatus.messageKey) + ")"),
        ("patients.field.consent", c.text(id.lifestyleConsent ? "admin.yes" : "admin.no")),
    ]
    var y = top
    let two = canvas.columns >= 110
    for (i, (label, value)) in rows.enumerated() {
        let col = two && i >= (rows.count + 1) / 2 ? 1 : 0
        let row = two ? (col == 0 ? i : i - (rows.count + 1) / 2) : i
        y = top + row
        guard y < bottom else { continue }
        let x = 2 + col * (canvas.columns / 2)
        canvas.put(c.text(label), x: x, y: y, style: Style(.muted), maxWidth: 24)
        canvas.put(value.isEmpty ? "—" : value, x: x + 25, y: y, style: .normal, maxWidth: (two ? canvas.columns / 2 : canvas.columns) - 29)
    }
}

/// A document read inside Cabinet: its text wrapped and scrolled, or what
/// it is when there is no text to show.
private func drawDocument(_ doc: DocumentContent, _ scroll: Int, _ c: Catalog, _ canvas: inout Canvas) {
    let (rect, inner) = drawPane(&canvas)
    canvas.put(" " + doc.title + " ", x: 3, y: 2, style: Style(.title, bold: true), maxWidth: inner)
    var lines: [String] = []
    if let text = doc.text {
        for part in text.split(separator: "\n", omittingEmptySubsequences: false) { lines += wrap(String(part), width: inner) }
    } else {
        let kb = String(max(1, doc.size / 1024))
        lines = wrap(c.text(doc.mime.hasPrefix("image/") ? "patients.doc_image" : "patients.doc_no_text",
                            ["mime": doc.mime, "size": kb]), width: inner)
    }
    let room = rect.height - 2
    let start = min(scroll, max(0, lines.count - room))
    for (i, line) in lines.dropFirst(start).prefix(room).enumerated() {
        canvas.put(line, x: 3, y: rect.y + 1 + i, style: Style(.clinical), maxWidth: inner)
    }
    let position = lines.count > room ? c.text("patients.doc_position", ["from": String(start + 1),
                                                                         "to": String(min(lines.count, start + room)),
                                                                         "total": String(lines.count)]) + " · " : ""
    canvas.put(position + c.text("patients.doc_keys"), x: 3, y: rect.y + rect.height - 1, style: Style(.keyHint), maxWidth: inner)
}

/// A line of the history shown as it was: an identity version, or a
/// clinical entry (corrected since or not), with its author and time.
private func drawReading(_ ref: HistoryRef, _ state: AppState, _ c: Catalog, _ canvas: inout Canvas) {
    let p = state.patients
    let (rect, inner) = drawPane(&canvas)
    let line = p.history.first { $0.ref == ref }
    let stamp = line.map { c.text("patients.reading_by", ["at": PracticeClock.stamp($0.at), "author": $0.author]) } ?? ""
    switch ref {
    case .identity(let version):
        canvas.put(" " + c.text("patients.reading_version", ["n": String(version)]) + " — " + stamp + " ", x: 3, y: 2,
                   style: Style(.title, bold: true), maxWidth: inner)
        if let id = p.versions[version] {
            drawIdentity(id, c, &canvas, top: 4, bottom: rect.y + rect.height - 1)
        }
    case .entry(let entryID):
        let entry = (p.entries + p.superseded).first { $0.id == entryID }
        let corrected = p.superseded.contains { $0.id == entryID }
        let title = c.text("entry.title.\(entry?.kind.rawValue ?? "consultation")") + " — " + stamp
            + (corrected ? " — " + c.text("patients.reading_corrected") : "")
        canvas.put(" " + title + " ", x: 3, y: 2, style: Style(.title, bold: true), maxWidth: inner)
        var y = 4
        guard let entry else { break }
        canvas.put(c.text("patients.reading_date", ["date": entry.occurredOn.formatted]), x: 3, y: y, style: .normal, maxWidth: inner)
        y += 1
        for name in entry.kind.fields where y < rect.y + rect.height - 1 {
            guard let value = entry.fields[name], !value.isEmpty else { continue }
            canvas.put(c.text("entry.field.\(name)"), x: 3, y: y, style: Style(.normal, bold: true), maxWidth: inner)
            y += 1
            for part in value.split(separator: "\n", omittingEmptySubsequences: false) {
                for l in wrap(String(part), width: inner - 2) where y < rect.y + rect.height - 1 {
                    canvas.put(l, x: 5, y: y, style: .normal, maxWidth: inner - 2)
                    y += 1
                }
            }
        }
    }
    canvas.put(c.text("patients.reading_keys"), x: 3, y: rect.y + rect.height - 1, style: Style(.keyHint), maxWidth: inner)
}

private func drawHistory(_ p: PatientsState, _ c: Catalog, _ canvas: inout Canvas, top: Int, bottom: Int) {
    var y = top
    let lines = p.history.reversed()
    for (i, line) in lines.enumerated().dropFirst(max(0, p.entrySelected - (bottom - top) + 1)) where y < bottom {
        let style: Style = i == p.entrySelected ? Style(.selection, bold: true) : .normal
        let what = c.text("patients.history.\(line.what)")
        let detail = line.detail == "created" ? c.text("patients.history.created")
            : line.detail == "new" ? c.text("patients.history.new")
            : line.detail == "correction" ? c.text("patients.history.correction")
            : c.text("patients.history.changed", ["fields": line.detail.components(separatedBy: ", ").map { name in
                let label = c.text("patient.field.\(name)")
                return label == "patient.field.\(name)" ? name : label.lowercased()
            }.joined(separator: ", ")])
        canvas.put(PracticeClock.stamp(line.at) + "  " + line.author.padding(toLength: 12, withPad: " ", startingAt: 0) + "  " + what + " — " + detail,
                   x: 2, y: y, style: style, maxWidth: canvas.columns - 4)
        y += 1
    }
    if p.history.isEmpty { canvas.put(c.text("patients.empty"), x: 2, y: top, style: Style(.muted)) }
}

private func entrySummary(_ e: ClinicalEntry, _ c: Catalog) -> String {
    switch e.kind {
    case .antecedent:
        return c.text("entry.category.\(e.fields["category"] ?? "medical")") + " : " + (e.fields["label"] ?? "")
            + (e.fields["since"].map { " (" + $0 + ")" } ?? "")
    case .allergy: return c.text("entry.allergy") + " : " + (e.fields["substance"] ?? "") + (e.fields["reaction"].map { " — " + $0 } ?? "")
    case .treatment:
        return (e.fields["drug"] ?? "") + (e.fields["dosage"].map { " " + $0 } ?? "")
            + (e.fields["until"].map { " — " + c.text("entry.until", ["date": $0]) } ?? "")
    case .document:
        let size = e.fields["size"].flatMap { Int($0) }.map { c.text("unit.kilobytes", ["n": String($0 / 1024 + 1)]) } ?? "?"
        return (e.fields["title"] ?? "") + " (" + (e.fields["filename"] ?? "") + ", " + size + ")"
    case .consultation: return e.fields["reason"] ?? ""
    case .vitals: return ""
    }
}

private func drawEntryList(_ p: PatientsState, _ c: Catalog, _ canvas: inout Canvas, top: Int, bottom: Int) {
    let entries = p.tabEntries
    var y = top
    for (i, e) in entries.enumerated().dropFirst(max(0, p.entrySelected - (bottom - top) + 1)) where y < bottom {
        let style: Style = i == p.entrySelected ? Style(.selection, bold: true) : Style(.clinical)
        canvas.put(e.occurredOn.formatted + "  " + entrySummary(e, c), x: 2, y: y, style: style, maxWidth: canvas.columns - 4)
        y += 1
    }
    if entries.isEmpty { canvas.put(c.text("patients.empty"), x: 2, y: top, style: Style(.muted)) }
}

private func drawConsultations(_ p: PatientsState, _ c: Catalog, _ canvas: inout Canvas, top: Int, bottom: Int) {
    let entries = p.tabEntries
    guard !entries.isEmpty else {
        canvas.put(c.text("patients.empty"), x: 2, y: top, style: Style(.muted))
        return
    }
    // The list on top (a few lines: at 80x24 two, so that a short
    // consultation shows whole), the selected consultation below.
    let listRows = min(entries.count, max(2, (bottom - top) / 5))
    var y = top
    let first = max(0, p.entrySelected - listRows + 1)
    for (i, e) in entries.enumerated().dropFirst(first).prefix(listRows) {
        let style: Style = i == p.entrySelected ? Style(.selection, bold: true) : Style(.clinical)
        canvas.put(e.occurredOn.formatted + "  " + (e.fields["reason"] ?? ""), x: 2, y: y, style: style, maxWidth: canvas.columns - 4)
        y += 1
    }
    y += 1
    guard entries.indices.contains(p.entrySelected) else { return }
    let e = entries[p.entrySelected]
    canvas.put(c.text("entry.by", ["author": e.author, "date": e.occurredOn.formatted]), x: 2, y: y, style: Style(.muted),
               maxWidth: canvas.columns - 4)
    y += 1
    // The text as lines, read whole with Page Up / Page Down.
    var lines: [(String, Bool)] = []
    for field in ["examination", "conclusion", "prescriptions"] {
        guard let text = e.fields[field] else { continue }
        lines.append((c.text("entry.field.\(field)"), true))
        for para in text.split(separator: "\n", omittingEmptySubsequences: false) {
            for line in wrap(String(para), width: canvas.columns - 6) { lines.append((line, false)) }
        }
    }
    let room = max(1, bottom - y)
    let more = lines.count > room
    let shown = more ? max(1, room - 1) : room
    let start = min(p.detailScroll, max(0, lines.count - shown))
    for (text, isTitle) in lines.dropFirst(start).prefix(shown) {
        canvas.put(text, x: isTitle ? 2 : 4, y: y, style: isTitle ? Style(.title) : Style(.clinical), maxWidth: canvas.columns - 6)
        y += 1
    }
    if more {
        let below = lines.count - start - shown
        let hint = below > 0 ? c.text("patients.text_more", ["n": String(below)]) : c.text("patients.text_top")
        canvas.put(hint, x: 2, y: y, style: Style(.keyHint), maxWidth: canvas.columns - 4)
    }
}

private func drawVitals(_ p: PatientsState, _ c: Catalog, _ canvas: inout Canvas, top: Int, bottom: Int) {
    let entries = p.tabEntries
    guard !entries.isEmpty else {
        canvas.put(c.text("patients.empty"), x: 2, y: top, style: Style(.muted))
        return
    }
    // Trends (oldest to newest) beside the figures.
    let chrono = entries.reversed()
    var y = top
    for sign in ["weight", "systolic", "pulse"] {
        let values = chrono.compactMap { $0.fields[sign].flatMap(Vitals.parseDecimal) }
        guard !values.isEmpty else { continue }
        let last = values.last.map { Vitals.format($0, language: c.language == .english ? .english : .french) } ?? ""
        canvas.put(c.text("entry.field.\(sign)"), x: 2, y: y, style: Style(.muted), maxWidth: 16)
        canvas.put(Sparkline.render(values, width: min(40, canvas.columns - 40)), x: 19, y: y, style: Style(.clinical))
        canvas.put(last, x: min(60, canvas.columns - 20), y: y, style: Style(.clinical, bold: true))
        y += 1
    }
    y += 1
    let header = [("entry.col.date", 12), ("entry.col.weight", 9), ("entry.col.height", 9), ("entry.col.bmi", 7),
                  ("entry.col.pressure", 11), ("entry.col.pulse", 8), ("entry.col.temperature", 8)]
    var x = 2
    for (key, width) in header {
        canvas.put(c.text(key), x: x, y: y, style: Style(.title, bold: true), maxWidth: width - 1)
        x += width
    }
    y += 1
    for (i, e) in entries.enumerated().dropFirst(max(0, p.entrySelected - (bottom - y) + 1)) where y < bottom {
        let f = e.fields
        let bmi = f["weight"].flatMap(Vitals.parseDecimal).flatMap { w in
            f["height"].flatMap(Vitals.parseDecimal).flatMap { Vitals.bmi(weightKg: w, heightCm: $0) }
        }.map { String(format: "%.1f", $0).replacingOccurrences(of: ".", with: ",") } ?? ""
        let pressure = [f["systolic"], f["diastolic"]].compactMap { $0 }.joined(separator: "/")
        let cells = [e.occurredOn.formatted, f["weight"] ?? "", f["height"] ?? "", bmi, pressure, f["pulse"] ?? "", f["temperature"] ?? ""]
        let style: Style = i == p.entrySelected ? Style(.selection, bold: true) : Style(.clinical)
        var cx = 2
        for (j, (_, width)) in header.enumerated() {
            canvas.put(cells[j], x: cx, y: y, style: style, maxWidth: width - 1)
            cx += width
        }
        y += 1
    }
}

private func drawPatientEditor(_ editor: PatientEditor, _ state: AppState, _ c: Catalog, _ canvas: inout Canvas) {
    let (rect, inner) = drawPane(&canvas)
    switch editor {
    case .identity(let id, let form):
        let title = c.text(id == nil ? "patients.new_title" : "patients.edit_title") + (id == nil ? "" : whose(state, c).map { " — " + $0 } ?? "")
        canvas.put(" " + title + " ", x: 3, y: 2, style: Style(.title, bold: true), maxWidth: inner)
        // The fields around the focused one when they do not all fit; the
        // message whole under them (up to four lines).
        let messageLines = form.message.map { min(4, wrap(c.notice($0, form.messageArgs, form.failure), width: inner).count) } ?? 1
        let room = rect.height - 3 - messageLines
        var shown = form
        let start = max(0, min(form.focus - room / 2, form.fields.count - room))
        shown.fields = Array(form.fields.dropFirst(start).prefix(room))
        shown.focus = form.focus - start
        drawForm(shown, in: Rect(x: 3, y: 3, width: inner, height: room), labelWidth: 24, c, &canvas)
        drawMessage(form, x: 3, y: rect.y + rect.height - 1 - messageLines, width: inner, lines: messageLines, c, &canvas)
    case .flags(_, let form):
        drawSmallForm(form, title: "patients.flags_title", intro: "patients.flags_intro", labelWidth: 41, inner: inner, c, &canvas)
    case .export(_, let form):
        drawSmallForm(form, title: "patients.export_title", intro: "patients.export_intro", labelWidth: 24, inner: inner, c, &canvas)
    case .entry(let form):
        // Whose record, on the title; the allergies right under it.
        let title = c.text("entry.title.\(form.kind.rawValue)") + (form.supersedes == nil ? "" : " — " + c.text("entry.correction"))
            + (whose(state, c).map { " — " + $0 } ?? "")
        canvas.put(" " + title + " ", x: 3, y: 2, style: Style(.title, bold: true), maxWidth: inner)
        var y = 3
        if form.kind != .document, let (text, known) = allergyBanner(state, c) {
            canvas.put(text, x: 3, y: y, style: known ? Style(.error, bold: true, reverse: true) : Style(.muted), maxWidth: inner)
            y += 1
        }
        // The message, wrapped on up to three lines above the keys.
        let message = form.message.map { Array(wrap(c.notice($0, form.messageArgs, form.failure), width: inner).prefix(3)) } ?? []
        let extra = max(0, message.count - 1)
        let multi = form.order.filter { form.editors[$0] != nil }
        let singleRows = form.order.count - multi.count
        let editorRows = multi.isEmpty ? 0 : max(2, (rect.height - 4 - extra - (y - 3) - singleRows - multi.count) / multi.count)
        for (i, name) in form.order.enumerated() where y < rect.y + rect.height - 2 - extra {
            let focused = i == form.focus
            if let e = form.editors[name] {
                canvas.put(c.text("entry.field.\(name)"), x: 3, y: y, style: Style(.normal, bold: focused))
                y += 1
                var ed = e
                ed.width = TextEditor.wrapWidth(columns: inner)
                drawEditor(ed, in: Rect(x: 3, y: y, width: inner, height: editorRows), focused: focused, &canvas)
                y += editorRows
            } else if let f = form.lines[name] {
                var one = Form([f])
                one.focus = focused ? 0 : -1
                drawForm(one, in: Rect(x: 3, y: y, width: min(inner, 70), height: 1), labelWidth: 24, c, &canvas)
                y += 1
            }
        }
        for (i, line) in message.enumerated() {
            canvas.put(line, x: 3, y: rect.y + rect.height - 1 - message.count + i, style: Style(.error, bold: true), maxWidth: inner)
        }
    }
    drawPaneKeys(c.text("patients.editor_keys"), rect: rect, inner: inner, &canvas)
}


/// A short form under its title and introduction, its message below.
private func drawSmallForm(_ form: Form, title: String, intro: String, labelWidth: Int, inner: Int, _ c: Catalog,
                           _ canvas: inout Canvas) {
    canvas.put(" " + c.text(title) + " ", x: 3, y: 2, style: Style(.title, bold: true))
    var y = 4
    for line in wrap(c.text(intro), width: inner) {
        canvas.put(line, x: 3, y: y, style: Style(.muted), maxWidth: inner)
        y += 1
    }
    y += 1
    drawForm(form, in: Rect(x: 3, y: y, width: inner, height: form.fields.count), labelWidth: labelWidth, c, &canvas)
    drawMessage(form, x: 3, y: y + form.fields.count + 1, width: inner, c, &canvas)
}
