import CabinetCore
import Foundation

/// What the patient file asks of the services.
public enum PatientEffect: Sendable, Equatable {
    case searchPatients(String)
    case openPatient(Int64)
    case savePatient(Int64?, PatientIdentity, allowDuplicate: Bool)
    case saveEntry(patient: Int64, kind: ClinicalKind, date: CivilDate, fields: [String: String], supersedes: Int64?)
    case importDocument(patient: Int64, path: String, title: String, date: CivilDate)
    case exportDocument(entry: Int64, path: String)
    case viewDocument(Int64)
    case setFlags(Int64, PatientFlags)
}

extension AppRunner {
    /// The patient file's performer: Core's patients service.
    func perform(_ effect: PatientEffect) -> AppAction? {
        switch effect {
        case .searchPatients(let text):
            do {
                let patients = try practice().patients
                let total = try patients.count()
                let rows = text.trimmingCharacters(in: .whitespaces).isEmpty ? [] : try patients.search(text)
                return .patients(.found(rows, total: total))
            } catch { return .patients(.failed(Self.cabinetError(error))) }
        case .openPatient(let id):
            do {
                // One transaction: the front desk's session gets the identity
                // and its history only (the store gives it no clinical key).
                let opened = try practice().patients.open(id, now: clock())
                return .patients(.opened(opened.record, opened.entries, opened.history, versions: opened.versions,
                                         superseded: opened.superseded))
            } catch { return .patients(.failed(Self.cabinetError(error))) }
        case .savePatient(let id, let identity, let force):
            do {
                return .patients(.saved(try practice().patients.save(id, identity, allowDuplicate: force, now: clock())))
            } catch CabinetError.patients(.possibleDuplicate(let other)) {
                return .patients(.duplicate(other))
            } catch { return .patients(.failed(Self.cabinetError(error))) }
        case .saveEntry(let patient, let kind, let date, let fields, let supersedes):
            do {
                _ = try practice().patients.addEntry(patient: patient, kind: kind, occurredOn: date, fields: fields,
                                                     supersedes: supersedes, now: clock())
                return .patients(.saved(patient))
            } catch { return .patients(.failed(Self.cabinetError(error))) }
        case .importDocument(let patient, let path, let title, let date):
            draw()
            do {
                _ = try practice().patients.importDocument(patient: patient, path: path, title: title, date: date, now: clock())
                return .patients(.saved(patient))
            } catch { return .patients(.failed(Self.cabinetError(error))) }
        case .setFlags(let id, let flags):
            do {
                try practice().patients.setFlags(id, flags)
                return .patients(.saved(id))
            } catch { return .patients(.failed(Self.cabinetError(error))) }
        case .viewDocument(let entry):
            do {
                // Decoded by the services (a PDF's text through pdftotext).
                return .patients(.document(try services.readDocument(entry: entry)))
            } catch { return .patients(.failed(Self.cabinetError(error))) }
        case .exportDocument(let entry, let path):
            do {
                try practice().patients.exportDocument(entry: entry, to: path)
                return .patients(.exported(path))
            } catch { return .patients(.failed(Self.cabinetError(error))) }
        }
    }
}
