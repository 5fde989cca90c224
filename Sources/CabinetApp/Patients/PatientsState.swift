import CabinetCore
import Foundation
import TerminalUI

// The patient module's state: the tabs, the forms being typed, the open record.

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
    public var message: String? { didSet { failure = nil } }
    public var messageArgs: [String: String] = [:]
    /// The error the message reports, worded by the view (`KeptError`).
    public var failure: KeptError?

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
    public var message: String? { didSet { failure = nil } }
    public var messageArgs: [String: String] = [:]
    /// The error the message reports, worded by the view (`KeptError`).
    public var failure: KeptError?
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
        case .flags(_, let form): return form.hasInput
        case .export: return false
        case nil: return false
        }
    }

    mutating func say(_ key: String, _ args: [String: String] = [:], error: Bool = false) {
        message = key
        messageArgs = args
        messageIsError = error
    }

    /// Says `error` (kept typed: worded by the view).
    mutating func say(_ error: CabinetError) {
        say("signin.error", error: true)
        failure = KeptError(error)
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

extension EntryForm: KeepsMessage {}

extension PatientsState: KeepsMessage {}
