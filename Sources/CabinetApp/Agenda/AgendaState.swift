import CabinetCore
import Foundation
import TerminalUI

// The appointment book's state: the day shown, the booking form, the dialogs.

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
    public var message: String? { didSet { failure = nil } }
    public var messageArgs: [String: String] = [:]
    /// The error the message reports, worded by the view (`KeptError`).
    public var failure: KeptError?
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

    /// Says `error` (kept typed: worded by the view).
    mutating func say(_ error: CabinetError) {
        say("signin.error", error: true)
        failure = KeptError(error)
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

extension AgendaState: KeepsMessage {}
