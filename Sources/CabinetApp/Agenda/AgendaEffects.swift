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
    /// The appointment book's performer: Core's agenda service (and the
    /// patients service to find or create the patient).
    func perform(_ effect: AgendaEffect) -> AppAction? {
        switch effect {
        case .loadAgenda(let from, let to):
            do {
                let agenda = try practice().agenda
                let span = try agenda.span(from: from, to: to)
                return .agenda(.loaded(span.appointments, span.absences, span.hours, token: (try? agenda.changeToken()) ?? ""))
            } catch { return .agenda(.failed(Self.cabinetError(error))) }
        case .agendaSearch(let text):
            do {
                return .agenda(.patients(try practice().patients.search(text)))
            } catch { return .agenda(.failed(Self.cabinetError(error))) }
        case .quickPatient(let identity):
            do {
                return .agenda(.created(try practice().patients.add(identity, allowDuplicate: false, now: clock()),
                                        name: identity.displayName))
            } catch CabinetError.patients(.possibleDuplicate(let other)) {
                // The same person exists: take that record.
                return .agenda(.created(other, name: identity.displayName))
            } catch { return .agenda(.failed(Self.cabinetError(error))) }
        case .book(let r):
            do {
                return .agenda(.booked(try practice().agenda.book(patient: r.patient, start: r.start, minutes: r.minutes, type: r.type,
                                                                  reason: r.reason, force: r.force, now: clock())))
            } catch { return .agenda(.failed(Self.cabinetError(error))) }
        case .moveAppointment(let id, let r):
            do {
                try practice().agenda.move(id, to: r.start, minutes: r.minutes, force: r.force, now: clock())
                return .agenda(.changed)
            } catch { return .agenda(.failed(Self.cabinetError(error))) }
        case .setAppointmentStatus(let id, let status, let category):
            do {
                try practice().agenda.setStatus(id, status, category: category, now: clock())
                return .agenda(.changed)
            } catch { return .agenda(.failed(Self.cabinetError(error))) }
        case .nextFreeSlot(let from, let minutes):
            do { return .agenda(.slot(try practice().agenda.nextFreeSlot(from: from, minutes: minutes))) } catch {
                return .agenda(.failed(Self.cabinetError(error)))
            }
        }
    }
}
