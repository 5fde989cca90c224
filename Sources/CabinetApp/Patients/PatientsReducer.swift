import CabinetCore
import Foundation
import TerminalUI

// The patient module's keys and results: state in, state out, effects.

// MARK: - Reducer

func enterPatients(_ state: inout AppState) -> [AppEffect] {
    if let id = state.patients.openID { return [.patients(.openPatient(id))] }
    return [.patients(.searchPatients(state.patients.query.value))]
}

/// Keys of the patient module; nil when the key is not the module's.
func handlePatients(_ key: Key, _ state: inout AppState) -> [AppEffect]? {
    let today = CivilDate(state.now)
    if state.patients.duplicateOf != nil {
        if key == .enter, case .identity(let id, var form) = state.patients.editor {
            state.patients.duplicateOf = nil
            if let p = identity(from: &form, today: today, keeping: nil) {
                return [.patients(.savePatient(id, p, allowDuplicate: true))]
            }
        }
        if key == .escape { state.patients.duplicateOf = nil }
        return []
    }
    if let editor = state.patients.editor { return handleEditor(editor, key, &state, today: today) }
    if state.patients.openID == nil { return handleList(key, &state) }
    return handleFile(key, &state)
}

/// The search list: its commands come from the action catalogue (open,
/// new patient, a page up or down, back), like the record's; ↑ ↓ move the
/// selection and every other key edits the search text.
private func handleList(_ key: Key, _ state: inout AppState) -> [AppEffect]? {
    let p = state.patients
    let command = AppCommands.command(for: key, in: .patients)?.id
    switch (command, key) {
    case (_, .up):
        state.patients.selected = max(0, p.selected - 1)
    case (_, .down):
        state.patients.selected = min(max(0, p.results.count - 1), p.selected + 1)
    case ("patients.scroll", .pageDown):
        state.patients.selected = min(max(0, p.results.count - 1), p.selected + 10)
    case ("patients.scroll", _):
        state.patients.selected = max(0, p.selected - 10)
    case ("patients.open", _):
        guard p.results.indices.contains(p.selected) else { return [] }
        state.patients.openID = p.results[p.selected].id
        state.patients.tab = .identity
        state.patients.entrySelected = 0
        return [.patients(.openPatient(p.results[p.selected].id))]
    case ("patients.new", _):
        guard AccessPolicy.allows(state.session?.role ?? .secretary, .writeIdentity) else { return [] }
        var form = identityForm(language: state.language)
        // What was typed in the search box starts the new record.
        let words = p.query.value.split(separator: " ").filter { !FrenchDate.looksLikeDate(String($0)) }
        if let last = words.first { form["birth_name"] = String(last).capitalized }
        if words.count > 1 { form["first_names"] = words.dropFirst().joined(separator: " ").capitalized }
        form.focus = form.firstMissing ?? 0
        state.patients.editor = .identity(id: nil, form: form)
    case ("patients.back", _):
        state.patients.query.set("")
        state.patients.selected = 0
        return [.patients(.searchPatients(""))]
    default:
        if key == .char("?") && p.query.value.isEmpty { return nil }
        guard state.patients.query.edit(key) else { return nil }
        state.patients.selected = 0
        return [.patients(.searchPatients(state.patients.query.value))]
    }
    return []
}

func handleFile(_ key: Key, _ state: inout AppState) -> [AppEffect]? {
    let tabs = PatientTab.visible(to: state.session?.role)
    // A document being read: scroll, Échap closes.
    if state.patients.viewing != nil {
        switch key {
        case .escape, .enter: state.patients.viewing = nil; state.patients.viewScroll = 0
        case .down: state.patients.viewScroll += 1
        case .up: state.patients.viewScroll = max(0, state.patients.viewScroll - 1)
        case .pageDown, .char(" "): state.patients.viewScroll += 10
        case .pageUp: state.patients.viewScroll = max(0, state.patients.viewScroll - 10)
        case .function: return nil
        default: break
        }
        return []
    }
    if key == .enter, state.patients.tab == .documents,
       state.session.map({ AccessPolicy.allows($0.role, .readClinical) }) == true {
        let shown = state.patients.tabEntries
        guard shown.indices.contains(state.patients.entrySelected) else { return [] }
        return [.patients(.viewDocument(shown[state.patients.entrySelected].id))]
    }
    // Reading a line of the history as it was: Échap or Enter closes it.
    if state.patients.reading != nil {
        if key == .escape || key == .enter { state.patients.reading = nil; return [] }
        if case .function = key { return nil }
        return []
    }
    if key == .enter, state.patients.tab == .history {
        let lines = Array(state.patients.history.reversed())
        if lines.indices.contains(state.patients.entrySelected), let ref = lines[state.patients.entrySelected].ref {
            state.patients.reading = ref
        }
        return []
    }
    let p = state.patients
    let i = tabs.firstIndex(of: p.tab) ?? 0
    let role = state.session?.role ?? .secretary
    let limited = p.record?.flags.limited == true
    // The keys come from the action catalogue (AppCommands), as in the
    // agenda: the help and the man page list exactly what is dispatched.
    // ↑ ↓ only move the selection.
    switch key {
    case .up:
        state.patients.entrySelected = max(0, p.entrySelected - 1)
        state.patients.detailScroll = 0
        return []
    case .down:
        state.patients.detailScroll = 0
        let count = p.tab == .history ? p.history.count : p.tabEntries.count
        state.patients.entrySelected = min(max(0, count - 1), p.entrySelected + 1)
        return []
    default:
        break
    }
    guard let cmd = AppCommands.command(for: key, in: .patients) else { return nil }
    switch cmd.id {
    case "patients.tabs":
        let back = key == .left || key == .backTab
        state.patients.tab = tabs[(i + (back ? -1 : 1) + tabs.count) % tabs.count]
        state.patients.entrySelected = 0
    case "patients.scroll":
        state.patients.detailScroll = key == .pageDown ? p.detailScroll + 5 : max(0, p.detailScroll - 5)
    case "patients.back":
        state.patients.openID = nil
        state.patients.record = nil
        state.patients.entries = []
        state.patients.history = []
        return [.patients(.searchPatients(p.query.value))]
    case "patients.flags":
        guard p.tab == .identity, AccessPolicy.allows(role, .writeClinical), let record = p.record else { return nil }
        let f = record.flags
        state.patients.editor = .flags(id: record.id, form: Form([
            FormField("deceased", label: "patients.field.deceased", maxLength: 10, value: f.deceasedOn?.formatted ?? ""),
            FormField("hold", label: "patients.field.hold", maxLength: 3, value: yesNo(f.legalHold, state.language)),
            FormField("limited", label: "patients.field.limited", maxLength: 3, value: yesNo(f.limited, state.language)),
        ]))
    case "patients.export":
        let shown = p.tabEntries
        guard p.tab == .documents, AccessPolicy.allows(role, .exportRecords), shown.indices.contains(p.entrySelected) else { return nil }
        let entry = shown[p.entrySelected]
        let home = ProcessInfo.processInfo.environment["HOME"] ?? "/tmp"
        let name = entry.fields["filename"] ?? "document"
        state.patients.editor = .export(entry: entry.id, form: Form([
            FormField("path", label: "entry.field.export_path", maxLength: 1024, required: true, value: home + "/" + name),
        ]))
    case "patients.add", "patients.allergy", "patients.new", "patients.edit":
        if limited {
            state.patients.say("error.record_limited", error: true)
            return []
        }
        let today = CivilDate(state.now)
        let correcting = cmd.id == "patients.edit"
        switch p.tab {
        case .identity, .history:
            guard AccessPolicy.allows(role, .writeIdentity), let record = p.record else { return [] }
            state.patients.editor = .identity(id: record.id, form: identityForm(record.identity, language: state.language))
        default:
            guard AccessPolicy.allows(role, .writeClinical) else { return [] }
            let kind: ClinicalKind
            switch p.tab {
            case .antecedents: kind = cmd.id == "patients.allergy" ? .allergy : .antecedent
            case .treatments: kind = .treatment
            case .consultations: kind = .consultation
            case .vitals: kind = .vitals
            default: kind = .document
            }
            if kind == .document && correcting { return [] }
            if correcting {
                let shown = p.tabEntries
                guard shown.indices.contains(p.entrySelected) else { return [] }
                let entry = shown[p.entrySelected]
                state.patients.editor = .entry(EntryForm(kind: entry.kind, today: today, from: entry))
            } else {
                state.patients.editor = .entry(EntryForm(kind: kind, today: today))
            }
        }
    default:
        return nil
    }
    state.patients.message = nil
    return []
}

private func handleEditor(_ editor: PatientEditor, _ key: Key, _ state: inout AppState, today: CivilDate) -> [AppEffect]? {
    let save = key == .function(9) || key == .ctrl("s")
    // What was typed (an identity, a consultation) is dropped only on a
    // second Échap; any other key goes on with the form.
    if key == .escape, state.patients.hasUnsavedInput, !state.patients.confirmingDrop {
        state.patients.confirmingDrop = true
        switch editor {
        case .identity(let id, var form):
            form.message = "form.drop_confirm"; form.messageArgs = [:]; form.messageIsError = false
            state.patients.editor = .identity(id: id, form: form)
        case .entry(var form):
            form.message = "form.drop_confirm"; form.messageArgs = [:]
            state.patients.editor = .entry(form)
        case .flags(let id, var form):
            form.message = "form.drop_confirm"; form.messageArgs = [:]; form.messageIsError = false
            state.patients.editor = .flags(id: id, form: form)
        default: break
        }
        return []
    }
    if state.patients.confirmingDrop {
        state.patients.confirmingDrop = false
        if key != .escape {
            switch state.patients.editor {
            case .identity(let id, var form)? where form.message == "form.drop_confirm":
                form.message = nil
                state.patients.editor = .identity(id: id, form: form)
                return handleEditor(.identity(id: id, form: form), key, &state, today: today)
            case .entry(var form)? where form.message == "form.drop_confirm":
                form.message = nil
                state.patients.editor = .entry(form)
                return handleEditor(.entry(form), key, &state, today: today)
            case .flags(let id, var form)? where form.message == "form.drop_confirm":
                form.message = nil
                state.patients.editor = .flags(id: id, form: form)
                return handleEditor(.flags(id: id, form: form), key, &state, today: today)
            default: break
            }
        }
    }
    switch editor {
    case .identity(let id, var form):
        if key == .escape {
            state.patients.editor = nil
            return []
        }
        if save || (key == .enter && form.isLastFieldFocused) {
            let old = state.patients.record?.id == id ? state.patients.record?.identity : nil
            guard let p = identity(from: &form, today: today, keeping: old) else {
                state.patients.editor = .identity(id: id, form: form)
                return []
            }
            state.patients.editor = .identity(id: id, form: form)
            return [.patients(.savePatient(id, p, allowDuplicate: false))]
        }
        guard moveOrEdit(&form, key) else { return nil }
        state.patients.editor = .identity(id: id, form: form)
        return []
    case .flags(let id, var form):
        if key == .escape {
            state.patients.editor = nil
            return []
        }
        if save || (key == .enter && form.isLastFieldFocused) {
            var flags = PatientFlags()
            let deceased = form["deceased"].trimmingCharacters(in: .whitespaces)
            if !deceased.isEmpty {
                do { flags.deceasedOn = try FrenchDate.parseBirthDate(deceased, today: today) } catch {
                    form.focus("deceased")
                    // The date of death, not of birth, is what is wrong.
                    form.fail(error == .future ? "patients.error.death_future" : error.messageKey)
                    state.patients.editor = .flags(id: id, form: form)
                    return []
                }
            }
            // "oui", "o", "yes", "y": the catalogues' word for yes, or its start.
            func yes(_ s: String) -> Bool {
                let typed = s.trimmingCharacters(in: .whitespaces).lowercased()
                return !typed.isEmpty && Catalog.inputWords("form.yes").contains { $0.hasPrefix(typed) }
            }
            flags.legalHold = yes(form["hold"])
            flags.limited = yes(form["limited"])
            return [.patients(.setFlags(id, flags))]
        }
        guard moveOrEdit(&form, key) else { return nil }
        state.patients.editor = .flags(id: id, form: form)
        return []
    case .export(let entry, var form):
        if key == .escape {
            state.patients.editor = nil
            return []
        }
        if save || key == .enter {
            let path = (form["path"].trimmingCharacters(in: .whitespaces) as NSString).expandingTildeInPath
            // Outside the user's own folder (a shared or removable place),
            // a document in clear is written only on a second Enter.
            let home = ProcessInfo.processInfo.environment["HOME"].map { $0.hasSuffix("/") ? $0 : $0 + "/" } ?? "/"
            if !path.hasPrefix(home) && form.message != "patients.export_outside" {
                form.message = "patients.export_outside"
                form.messageArgs = ["path": path]
                form.messageIsError = true
                state.patients.editor = .export(entry: entry, form: form)
                return []
            }
            return [.patients(.exportDocument(entry: entry, path: path))]
        }
        if case .function = key { return nil }
        if form.message == "patients.export_outside" { form.message = nil }
        _ = form.edit(key)
        state.patients.editor = .export(entry: entry, form: form)
        return []
    case .entry(var form):
        if key == .escape {
            state.patients.editor = nil
            return []
        }
        if save {
            guard let (date, fields) = entryValues(&form, today: today, language: state.language) else {
                state.patients.editor = .entry(form)
                return []
            }
            state.patients.editor = .entry(form)
            guard let id = state.patients.openID else { return [] }
            if form.kind == .document {
                let path = form.lines["path"]?.trimmed ?? ""
                return [.patients(.importDocument(patient: id, path: (path as NSString).expandingTildeInPath, title: fields["title"] ?? path, date: date))]
            }
            return [.patients(.saveEntry(patient: id, kind: form.kind, date: date, fields: fields, supersedes: form.supersedes))]
        }
        let field = form.focusedID
        switch key {
        case .tab:
            form.focus = (form.focus + 1) % form.order.count
        case .backTab:
            form.focus = (form.focus - 1 + form.order.count) % form.order.count
        case .enter where form.editors[field] == nil:
            form.focus = (form.focus + 1) % form.order.count
        default:
            if case .function = key { return nil }
            if var e = form.editors[field] {
                _ = e.edit(key)
                form.editors[field] = e
            } else if var f = form.lines[field] {
                _ = f.edit(key)
                form.lines[field] = f
            }
            form.message = nil
        }
        state.patients.editor = .entry(form)
        return []
    }
}

/// The date and fields of an entry form, checked (vitals in range, dates
/// possible and not in the future); nil with a message otherwise.
func entryValues(_ form: inout EntryForm, today: CivilDate, language: Language? = nil) -> (CivilDate, [String: String])? {
    func fail(_ field: String, _ key: String, _ args: [String: String] = [:]) -> (CivilDate, [String: String])? {
        form.focus = form.order.firstIndex(of: field) ?? 0
        form.message = key
        form.messageArgs = args
        return nil
    }
    let date: CivilDate
    do { date = try FrenchDate.parseBirthDate(form.lines["date"]?.value ?? "", today: today) } catch {
        return fail("date", error.messageKey)
    }
    var values = form.values
    if form.kind == .vitals {
        for sign in [VitalSign.weight, .height, .systolic, .diastolic, .pulse, .temperature] {
            guard let text = values[sign.rawValue] else { continue }
            do {
                let v = try Vitals.parse(text, as: sign)
                values[sign.rawValue] = Vitals.format(v, language: .french)
            } catch {
                return fail(sign.rawValue, error.messageKey, ["min": String(Int(sign.range.lowerBound)),
                                                              "max": String(Int(sign.range.upperBound))])
            }
        }
        if let s = values["systolic"].flatMap(Vitals.parseDecimal), let d = values["diastolic"].flatMap(Vitals.parseDecimal) {
            do { try Vitals.checkPressure(systolic: s, diastolic: d) } catch { return fail("systolic", error.messageKey) }
        }
        // Possible but unusual (300/20 mmHg): said, and saved on a second
        // F9 only for the very values the message named (anything typed or
        // pasted in between asks again).
        var measured: [VitalSign: Double] = [:]
        for sign in VitalSign.allCases { measured[sign] = values[sign.rawValue].flatMap(Vitals.parseDecimal) }
        let warnings = Vitals.warnings(measured)
        let said = Vitals.describe(warnings, Catalog.cached(language ?? .fromEnvironment()))
        if !warnings.isEmpty, form.message != "vital.unusual" || form.messageArgs["values"] != said {
            let first: String
            switch warnings[0] {
            case .unusual(let sign, _): first = sign.rawValue
            case .pulsePressure: first = VitalSign.systolic.rawValue
            }
            return fail(first, "vital.unusual", ["values": said])
        }
    }
    if form.kind == .antecedent, let c = values["category"] {
        let l = c.lowercased()
        values["category"] = l.hasPrefix("c") || l.hasPrefix("s") ? "surgical" : l.hasPrefix("f") ? "family" : "medical"
    }
    if form.kind == .document {
        if form.lines["path"]?.trimmed.isEmpty ?? true { return fail("path", "entry.error.path") }
        return (date, values)
    }
    if values.isEmpty { return fail(form.order.dropFirst().first ?? "date", "error.empty_entry") }
    return (date, values)
}

func reducePatientResult(_ result: PatientResult, _ state: inout AppState) -> [AppEffect] {
    switch result {
    case .found(let rows, let total):
        state.patients.results = rows
        state.patients.total = total
        state.patients.selected = min(state.patients.selected, max(0, rows.count - 1))
        state.patients.loaded = true
    case .opened(let record, let entries, let history, let versions, let superseded):
        state.patients.openID = record.id
        state.patients.record = record
        state.patients.entries = entries
        state.patients.history = history
        state.patients.versions = versions
        state.patients.superseded = superseded
        state.patients.reading = nil
        if !PatientTab.visible(to: state.session?.role).contains(state.patients.tab) { state.patients.tab = .identity }
    case .saved(let id):
        let wasEntry: Bool
        if case .entry = state.patients.editor { wasEntry = true } else { wasEntry = false }
        state.patients.editor = nil
        state.patients.duplicateOf = nil
        state.patients.openID = id
        state.patients.entrySelected = 0
        if !wasEntry { state.patients.tab = .identity }
        state.patients.say(wasEntry ? "patients.entry_saved" : "patients.saved")
        return [.patients(.openPatient(id))]
    case .duplicate(let other):
        state.patients.duplicateOf = other
    case .document(let content):
        state.patients.viewing = content
        state.patients.viewScroll = 0
    case .exported(let path):
        state.patients.editor = nil
        state.patients.say("patients.exported", ["path": path])
    case .failed(let error):
        switch state.patients.editor {
        case .identity(let id, var form):
            form.fail(error)
            state.patients.editor = .identity(id: id, form: form)
        case .entry(var form):
            form.show(error)
            state.patients.editor = .entry(form)
        case .export(let entry, var form):
            form.fail(error)
            state.patients.editor = .export(entry: entry, form: form)
        case .flags(let id, var form):
            form.fail(error)
            state.patients.editor = .flags(id: id, form: form)
        case nil:
            if case .patients(.notFound) = error {
                state.patients.openID = nil
                state.patients.record = nil
            }
            state.patients.say(error)
        }
    }
    return []
}


/// The keys of a one-line form: Tab or Enter to the next field, Shift-Tab
/// back, anything else edits the focused field; a function key is left to
/// the screen (false).
private func moveOrEdit(_ form: inout Form, _ key: Key) -> Bool {
    switch key {
    case .tab, .enter: form.next()
    case .backTab: form.previous()
    case .function: return false
    default: _ = form.edit(key)
    }
    return true
}
