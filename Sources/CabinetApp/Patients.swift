import CabinetCore
import Foundation
import TerminalUI

/// The tabs of an open record. The clinical ones are absent for the front
/// desk (the help says why).
public enum PatientTab: String, Codable, Sendable, CaseIterable {
    case identity, antecedents, treatments, consultations, vitals, documents, history

    public var isClinical: Bool { self != .identity && self != .history }

    static func visible(to role: Role?) -> [PatientTab] {
        guard let role, AccessPolicy.allows(role, .readClinical) else { return [.identity, .history] }
        return allCases
    }
}

/// A clinical entry being written: single-line fields and multi-line
/// editors, in the kind's order, after the date.
public struct EntryForm: Codable, Equatable, Sendable {
    public var kind: ClinicalKind
    public var supersedes: Int64?
    public var lines: [String: FormField]
    public var editors: [String: TextEditor]
    public var order: [String]
    public var focus = 0
    public var message: String?
    public var messageArgs: [String: String] = [:]

    init(kind: ClinicalKind, today: CivilDate, from entry: ClinicalEntry? = nil) {
        self.kind = kind
        supersedes = entry?.id
        order = ["date"] + (kind == .document ? ["path", "title"] : kind.fields)
        var lines: [String: FormField] = [:]
        var editors: [String: TextEditor] = [:]
        lines["date"] = FormField("date", label: "entry.field.date", maxLength: 10, required: true,
                                  value: (entry?.occurredOn ?? today).formatted)
        if kind == .document {
            lines["path"] = FormField("path", label: "entry.field.path", maxLength: 1024, required: true)
        }
        for f in kind.fields where kind != .document || f == "title" {
            let value = entry?.fields[f] ?? ""
            if kind.isMultiline(f) {
                editors[f] = TextEditor(text: value, maxLength: kind.maxLength(f))
            } else {
                lines[f] = FormField(f, label: "entry.field.\(f)", maxLength: kind.maxLength(f), value: value)
            }
        }
        self.lines = lines
        self.editors = editors
        opened = snapshot
    }

    var focusedID: String { order.indices.contains(focus) ? order[focus] : "" }

    /// The values as the form was opened (a correction starts from the
    /// entry's); nil in a draft kept by an older version.
    public var opened: [String: String]?

    private var snapshot: [String: String] {
        var out: [String: String] = [:]
        for (k, f) in lines { out[k] = f.value }
        for (k, e) in editors { out[k] = e.text }
        return out
    }

    /// Something typed or changed since the form was opened. Without a
    /// record of the opening (an older draft): any text but the date.
    var hasInput: Bool {
        guard let opened else {
            return lines.contains { $0.key != "date" && !$0.value.value.isEmpty } || editors.values.contains { !$0.isEmpty }
        }
        return snapshot != opened
    }

    /// The typed values (the date apart), empty ones left out.
    var values: [String: String] {
        var out: [String: String] = [:]
        for (k, f) in lines where k != "date" && k != "path" && !f.trimmed.isEmpty { out[k] = f.trimmed }
        for (k, e) in editors where !e.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { out[k] = e.text }
        return out
    }
}

public enum PatientEditor: Codable, Equatable, Sendable {
    /// A new patient (nil id) or a new version of an identity.
    case identity(id: Int64?, form: Form)
    case entry(EntryForm)
    /// Writing a document out of the vault (doctors; logged).
    case export(entry: Int64, form: Form)
    /// The record's status: deceased, legal hold, limitation (doctors).
    case flags(id: Int64, form: Form)
}

/// The patient module: search, the open record, the form in progress.
public struct PatientsState: Codable, Equatable, Sendable {
    public var query = FormField("query", label: "patients.search", maxLength: 80)
    public var results: [PatientSummary] = []
    public var total = 0
    public var selected = 0
    public var openID: Int64?
    public var record: PatientRecord?
    public var entries: [ClinicalEntry] = []
    public var history: [HistoryLine] = []
    public var tab: PatientTab = .identity
    public var entrySelected = 0
    public var editor: PatientEditor?
    /// A possible duplicate found on saving: Enter creates anyway.
    public var duplicateOf: Int64?
    public var message: String?
    public var messageArgs: [String: String] = [:]
    public var messageIsError = false
    public var loaded = false
    /// Échap was pressed on typed input: a second Échap drops it, any other
    /// key goes on with the form (never kept in a draft).
    public var confirmingDrop = false
    /// Every identity version and the corrected clinical entries, as they
    /// were (from the record's opening), and the one being read.
    public var versions: [Int: PatientIdentity] = [:]
    public var superseded: [ClinicalEntry] = []
    public var reading: HistoryRef?
    /// How far the selected consultation's text is scrolled (Page Up/Down).
    public var detailScroll = 0
    /// A document shown inside Cabinet, and how far it is scrolled (held in
    /// memory only; dropped at a lock with the rest of this state).
    public var viewing: DocumentContent?
    public var viewScroll = 0

    public init() {}

    enum CodingKeys: String, CodingKey { case query, selected, openID, tab, entrySelected, editor, duplicateOf }

    var hasUnsavedInput: Bool {
        switch editor {
        case .identity(_, let form): return form.hasInput
        case .entry(let form): return form.hasInput
        case .export, .flags: return false
        case nil: return false
        }
    }

    mutating func say(_ key: String, _ args: [String: String] = [:], error: Bool = false) {
        message = key
        messageArgs = args
        messageIsError = error
    }

    /// The entries shown in the current tab, newest first.
    var tabEntries: [ClinicalEntry] {
        let kinds: [ClinicalKind]
        switch tab {
        case .antecedents: kinds = [.allergy, .antecedent]
        case .treatments: kinds = [.treatment]
        case .consultations: kinds = [.consultation]
        case .vitals: kinds = [.vitals]
        case .documents: kinds = [.document]
        case .identity, .history: kinds = []
        }
        return entries.filter { kinds.contains($0.kind) }
    }
}

/// Results of the patient module's effects.
public enum PatientResult: Sendable, Equatable {
    case found([PatientSummary], total: Int)
    case opened(PatientRecord, [ClinicalEntry], [HistoryLine], versions: [Int: PatientIdentity] = [:], superseded: [ClinicalEntry] = [])
    case saved(Int64)
    case exported(String)
    case document(DocumentContent)
    case duplicate(Int64)
    case failed(CabinetError)
}

// MARK: - Identity form

/// "yes" and "no" as typed into a form, in the interface's language.
func yesNo(_ value: Bool, _ language: Language?) -> String {
    Catalog.cached(language ?? Language.fromEnvironment()).text(value ? "form.yes" : "form.no")
}

/// A phone number as people write it (`06 12 34 56 78`); the stored form
/// has no spaces, so saving it untouched changes nothing.
func shownPhone(_ stored: String) -> String {
    (try? PhoneNumber(stored))?.formatted ?? stored
}

func identityForm(_ p: PatientIdentity? = nil, language: Language? = nil) -> Form {
    Form([
        FormField("birth_name", label: "patient.field.birth_name", maxLength: 80, required: true, value: p?.birthName ?? ""),
        FormField("used_name", label: "patient.field.used_name", maxLength: 80, value: p?.usedName ?? ""),
        FormField("first_names", label: "patient.field.first_names", maxLength: 120, required: true, value: p?.firstNames ?? ""),
        FormField("sex", label: "patients.field.sex", maxLength: 1, required: true, value: p?.sex.rawValue ?? ""),
        FormField("birth_date", label: "patients.field.birth_date", maxLength: 10, required: true, value: p?.birthDate.formatted ?? ""),
        FormField("birth_place", label: "patient.field.birth_place", maxLength: 80, value: p?.birthPlace ?? ""),
        FormField("address_line1", label: "patient.field.address_line1", maxLength: 120, value: p?.addressLine1 ?? ""),
        FormField("address_line2", label: "patient.field.address_line2", maxLength: 120, value: p?.addressLine2 ?? ""),
        FormField("postcode", label: "patient.field.postcode", maxLength: 10, value: p?.postcode ?? ""),
        FormField("city", label: "patient.field.city", maxLength: 80, value: p?.city ?? ""),
        FormField("phone", label: "patient.field.phone", maxLength: 20, value: p.map { shownPhone($0.phone) } ?? ""),
        FormField("mobile", label: "patient.field.mobile", maxLength: 20, value: p.map { shownPhone($0.mobile) } ?? ""),
        FormField("email", label: "patient.field.email", maxLength: 254, value: p?.email ?? ""),
        FormField("profession", label: "patient.field.profession", maxLength: 80, value: p?.profession ?? ""),
        FormField("nir", label: "patients.field.nir", maxLength: 21, value: p.map { $0.nir.isEmpty ? "" : (try? NIR($0.nir))?.formatted ?? $0.nir } ?? ""),
        FormField("ins", label: "patients.field.ins", maxLength: 15, value: p?.ins ?? ""),
        FormField("consent", label: "patients.field.consent", maxLength: 3, value: yesNo(p?.lifestyleConsent ?? false, language)),
    ])
}

/// Reads the identity form; on a problem, says which field and why.
func identity(from form: inout Form, today: CivilDate, keeping old: PatientIdentity?) -> PatientIdentity? {
    // The same list as the command line (`Sex.parse`).
    guard let sex = Sex.parse(form["sex"]) else {
        form.focus("sex")
        form.fail("patients.error.sex")
        return nil
    }
    let birth: CivilDate
    do { birth = try FrenchDate.parseBirthDate(form["birth_date"], today: today) } catch {
        form.focus("birth_date")
        form.fail(error.messageKey)
        return nil
    }
    let consent = form["consent"].lowercased()
    var p = old ?? PatientIdentity(birthName: "", firstNames: "", sex: sex, birthDate: birth)
    p.birthName = form["birth_name"]
    p.usedName = form["used_name"]
    p.firstNames = form["first_names"]
    p.sex = sex
    p.birthDate = birth
    p.birthPlace = form["birth_place"]
    p.addressLine1 = form["address_line1"]
    p.addressLine2 = form["address_line2"]
    p.postcode = form["postcode"]
    p.city = form["city"]
    p.phone = form["phone"]
    p.mobile = form["mobile"]
    p.email = form["email"]
    p.profession = form["profession"]
    p.nir = form["nir"]
    p.ins = form["ins"]
    p.lifestyleConsent = consent.hasPrefix("o") || consent.hasPrefix("y")
    p = p.sanitized()
    if let problem = p.problems(today: today).first {
        form.focus(problem.field == "address" ? "address_line1" : problem.field)
        form.fail(problem.key)
        return nil
    }
    // A birth long ago (1900 typed for 2000) is asked once: saved on a
    // second F9 with nothing typed in between. A date already on file
    // is not asked again.
    if birth != old?.birthDate, FrenchDate.isUnusualBirthDate(birth, today: today),
       form.message != "patients.birth_unusual" {
        form.focus("birth_date")
        form.message = "patients.birth_unusual"
        form.messageArgs = ["age": String(birth.age(on: today))]
        form.messageIsError = false
        return nil
    }
    return p
}

// MARK: - Reducer

func enterPatients(_ state: inout AppState) -> [AppEffect] {
    if let id = state.patients.openID { return [.openPatient(id)] }
    return [.searchPatients(state.patients.query.value)]
}

/// Keys of the patient module; nil when the key is not the module's.
func handlePatients(_ key: Key, _ state: inout AppState) -> [AppEffect]? {
    let today = CivilDate(state.now)
    if state.patients.duplicateOf != nil {
        if key == .enter, case .identity(let id, var form) = state.patients.editor {
            state.patients.duplicateOf = nil
            if let p = identity(from: &form, today: today, keeping: nil) {
                return [.savePatient(id, p, allowDuplicate: true)]
            }
        }
        if key == .escape { state.patients.duplicateOf = nil }
        return []
    }
    if let editor = state.patients.editor { return handleEditor(editor, key, &state, today: today) }
    if state.patients.openID == nil { return handleList(key, &state) }
    return handleFile(key, &state)
}

private func handleList(_ key: Key, _ state: inout AppState) -> [AppEffect]? {
    let p = state.patients
    switch key {
    case .up:
        state.patients.selected = max(0, p.selected - 1)
    case .down:
        state.patients.selected = min(max(0, p.results.count - 1), p.selected + 1)
    case .pageDown:
        state.patients.selected = min(max(0, p.results.count - 1), p.selected + 10)
    case .pageUp:
        state.patients.selected = max(0, p.selected - 10)
    case .enter:
        guard p.results.indices.contains(p.selected) else { return [] }
        state.patients.openID = p.results[p.selected].id
        state.patients.tab = .identity
        state.patients.entrySelected = 0
        return [.openPatient(p.results[p.selected].id)]
    case .function(8):
        guard AccessPolicy.allows(state.session?.role ?? .secretary, .writeIdentity) else { return [] }
        var form = identityForm(language: state.language)
        // What was typed in the search box starts the new record.
        let words = p.query.value.split(separator: " ").filter { !FrenchDate.looksLikeDate(String($0)) }
        if let last = words.first { form["birth_name"] = String(last).capitalized }
        if words.count > 1 { form["first_names"] = words.dropFirst().joined(separator: " ").capitalized }
        form.focus = form.firstMissing ?? 0
        state.patients.editor = .identity(id: nil, form: form)
    case .escape:
        state.patients.query.set("")
        state.patients.selected = 0
        return [.searchPatients("")]
    default:
        if key == .char("?") && p.query.value.isEmpty { return nil }
        guard state.patients.query.edit(key) else { return nil }
        state.patients.selected = 0
        return [.searchPatients(state.patients.query.value)]
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
        return [.viewDocument(shown[state.patients.entrySelected].id)]
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
        return [.searchPatients(p.query.value)]
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
            return [.savePatient(id, p, allowDuplicate: false)]
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
                    form.fail(error.messageKey)
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
            return [.setFlags(id, flags)]
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
            return [.exportDocument(entry: entry, path: path)]
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
                return [.importDocument(patient: id, path: (path as NSString).expandingTildeInPath, title: fields["title"] ?? path, date: date)]
            }
            return [.saveEntry(patient: id, kind: form.kind, date: date, fields: fields, supersedes: form.supersedes)]
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
        // F9 with nothing changed in between (typing clears the message).
        var measured: [VitalSign: Double] = [:]
        for sign in VitalSign.allCases { measured[sign] = values[sign.rawValue].flatMap(Vitals.parseDecimal) }
        let warnings = Vitals.warnings(measured)
        if !warnings.isEmpty, form.message != "vital.unusual" {
            let first: String
            switch warnings[0] {
            case .unusual(let sign, _): first = sign.rawValue
            case .pulsePressure: first = VitalSign.systolic.rawValue
            }
            return fail(first, "vital.unusual", ["values": Vitals.describe(warnings, Catalog.cached(language ?? .fromEnvironment()))])
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
        return [.openPatient(id)]
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
            form.fail("signin.error", ["message": error.message(state.catalog)])
            state.patients.editor = .identity(id: id, form: form)
        case .entry(var form):
            form.message = "signin.error"
            form.messageArgs = ["message": error.message(state.catalog)]
            state.patients.editor = .entry(form)
        case .export(let entry, var form):
            form.fail("signin.error", ["message": error.message(state.catalog)])
            state.patients.editor = .export(entry: entry, form: form)
        case .flags(let id, var form):
            form.fail("signin.error", ["message": error.message(state.catalog)])
            state.patients.editor = .flags(id: id, form: form)
        case nil:
            if case .patientNotFound = error {
                state.patients.openID = nil
                state.patients.record = nil
            }
            state.patients.say("signin.error", ["message": error.message(state.catalog)], error: true)
        }
    }
    return []
}

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
        canvas.put(c.text(m, p.messageArgs), x: 2, y: canvas.rows - 3,
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
    guard state.session?.role.isDoctor == true, state.patients.record != nil else { return nil }
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
        let messageLines = form.message.map { min(4, wrap(c.text($0, form.messageArgs), width: inner).count) } ?? 1
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
        let message = form.message.map { Array(wrap(c.text($0, form.messageArgs), width: inner).prefix(3)) } ?? []
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
