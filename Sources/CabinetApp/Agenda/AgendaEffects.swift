import CabinetCore
import Foundation

/// What the appointment book asks of the services.
public enum AgendaEffect: Sendable, Equatable {
    case loadAgenda(from: Date, to: Date)
    case agendaSearch(String)
    case quickPatient(PatientIdentity)
    case book(BookingRequest)
    case moveAppointment(Int64, BookingRequest)
    case setAppointmentStatus(Int64, AppointmentStatus, category: String)
    case nextFreeSlot(from: Date, minutes: Int)
}

extension AppRunner {
    /// The appointment book's performer.
    func perform(_ effect: AgendaEffect) -> AppAction? {
        switch effect {
        case .loadAgenda(let from, let to):
            do {
                let (list, away, hours) = try services.agenda(from: from, to: to)
                return .agenda(.loaded(list, away, hours, token: (try? services.changeToken()) ?? ""))
            } catch { return .agenda(.failed(Self.cabinetError(error))) }
        case .agendaSearch(let text):
            do { return .agenda(.patients(try services.searchPatients(text))) } catch { return .agenda(.failed(Self.cabinetError(error))) }
        case .quickPatient(let identity):
            do {
                return .agenda(.created(try services.savePatient(nil, identity, allowDuplicate: false), name: identity.displayName))
            } catch CabinetError.possibleDuplicate(let other) {
                // The same person exists: take that record.
                return .agenda(.created(other, name: identity.displayName))
            } catch { return .agenda(.failed(Self.cabinetError(error))) }
        case .book(let r):
            do {
                return .agenda(.booked(try services.book(patient: r.patient, start: r.start, minutes: r.minutes, type: r.type,
                                                         reason: r.reason, force: r.force)))
            } catch { return .agenda(.failed(Self.cabinetError(error))) }
        case .moveAppointment(let id, let r):
            do {
                try services.moveAppointment(id, to: r.start, minutes: r.minutes, force: r.force)
                return .agenda(.changed)
            } catch { return .agenda(.failed(Self.cabinetError(error))) }
        case .setAppointmentStatus(let id, let status, let category):
            do {
                try services.setAppointmentStatus(id, status, category: category)
                return .agenda(.changed)
            } catch { return .agenda(.failed(Self.cabinetError(error))) }
        case .nextFreeSlot(let from, let minutes):
            do { return .agenda(.slot(try services.nextFreeSlot(from: from, minutes: minutes))) } catch {
                return .agenda(.failed(Self.cabinetError(error)))
            }
        }
    }
}
