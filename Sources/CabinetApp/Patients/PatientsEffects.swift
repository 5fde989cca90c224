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
    /// The patient file's performer.
    func perform(_ effect: PatientEffect) -> AppAction? {
        switch effect {
        case .searchPatients(let text):
            do {
                let total = try services.patientCount()
                let rows = text.trimmingCharacters(in: .whitespaces).isEmpty ? [] : try services.searchPatients(text)
                return .patients(.found(rows, total: total))
            } catch { return .patients(.failed(Self.cabinetError(error))) }
        case .openPatient(let id):
            do {
                let opened = try services.openRecord(id)
                return .patients(.opened(opened.record, opened.entries, opened.history, versions: opened.versions,
                                         superseded: opened.superseded))
            } catch { return .patients(.failed(Self.cabinetError(error))) }
        case .savePatient(let id, let identity, let force):
            do {
                return .patients(.saved(try services.savePatient(id, identity, allowDuplicate: force)))
            } catch CabinetError.possibleDuplicate(let other) {
                return .patients(.duplicate(other))
            } catch { return .patients(.failed(Self.cabinetError(error))) }
        case .saveEntry(let patient, let kind, let date, let fields, let supersedes):
            do {
                _ = try services.addClinicalEntry(patient: patient, kind: kind, occurredOn: date, fields: fields, supersedes: supersedes)
                return .patients(.saved(patient))
            } catch { return .patients(.failed(Self.cabinetError(error))) }
        case .importDocument(let patient, let path, let title, let date):
            draw()
            do {
                _ = try services.importDocument(patient: patient, path: path, title: title, date: date)
                return .patients(.saved(patient))
            } catch { return .patients(.failed(Self.cabinetError(error))) }
        case .setFlags(let id, let flags):
            do {
                try services.setFlags(id, flags)
                return .patients(.saved(id))
            } catch { return .patients(.failed(Self.cabinetError(error))) }
        case .viewDocument(let entry):
            do {
                return .patients(.document(try services.readDocument(entry: entry)))
            } catch { return .patients(.failed(Self.cabinetError(error))) }
        case .exportDocument(let entry, let path):
            do {
                try services.exportDocument(entry: entry, to: path)
                return .patients(.exported(path))
            } catch { return .patients(.failed(Self.cabinetError(error))) }
        }
    }
}
