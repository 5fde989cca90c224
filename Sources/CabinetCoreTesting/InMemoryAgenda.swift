import CabinetCore
import Foundation

/// The appointment book in memory. `reading` and `writing` run their body
/// over the book itself as the transaction (one desk: nothing to lock); a
/// `writing` body that throws leaves the book, the change number and the
/// trail as they were, as a rolled-back transaction does. Patients are
/// known through the `InMemoryPatients` it is given, as the store joins the
/// patient table (names, deaths), and otherwise through `standings` and
/// `names`, which the test fills (`enroll`).
public final class InMemoryAgenda: AgendaRepository, AgendaWriting {
    /// An appointment as kept, with what `Appointment` does not show.
    public struct StoredAppointment: Sendable, Equatable {
        public let id: Int64
        public internal(set) var patientID: Int64
        public internal(set) var start: Date
        public internal(set) var minutes: Int
        public let type: String
        public let reason: String
        public internal(set) var status: AppointmentStatus
        public internal(set) var arrivedAt: Date?
        public let bookedBy: String
        public let bookedAt: Date
        /// Booked past a warning or an overlap by a doctor.
        public let forced: Bool
        /// The category of a cancellation.
        public internal(set) var cancelCategory: String

        public var end: Date { start.addingTimeInterval(TimeInterval(minutes * 60)) }

        func appointment(name: String) -> Appointment {
            Appointment(id: id, patientID: patientID, patientName: name, start: start, minutes: minutes, type: type, reason: reason,
                        status: status, arrivedAt: arrivedAt, bookedBy: bookedBy)
        }
    }

    /// The opening hours (the store's default until set).
    public var hours: OpeningHours = .standard
    /// Every appointment, cancelled ones included, by id.
    public private(set) var stored: [Int64: StoredAppointment] = [:]
    /// Every absence, by id.
    public private(set) var absenceList: [Int64: Absence] = [:]
    /// The patient file the agenda joins, when given: its patients' display
    /// names and deaths are what the agenda sees of them.
    public let patients: InMemoryPatients?
    /// What `standing(ofPatient:)` answers for a patient `patients` does not
    /// hold (and whether one it holds is archived: it keeps no archive): a
    /// patient absent from both does not exist.
    public var standings: [Int64: BookingStanding] = [:]
    /// The display names the appointments carry for a patient `patients`
    /// does not hold ("?" when unknown, as the store).
    public var names: [Int64: String] = [:]
    /// The agenda's change number (`changeToken`).
    public private(set) var changes = 0
    /// When set, `changeToken` throws `accountDisabled` (an account
    /// disabled from another desk).
    public var accountDisabled = false
    /// The protocol calls received, by name, in order (those made on the
    /// transaction inside `reading` and `writing` too).
    public private(set) var calls: [String] = []
    public let audit: InMemoryAudit
    private var nextAppointment: Int64 = 1
    private var nextAbsence: Int64 = 1

    public init(audit: InMemoryAudit, patients: InMemoryPatients? = nil) {
        self.audit = audit
        self.patients = patients
    }

    public func clearCalls() { calls.removeAll() }

    /// Makes a patient known to the agenda (not a call).
    public func enroll(_ id: Int64, name: String, deceased: Bool = false, archived: Bool = false) {
        standings[id] = BookingStanding(deceased: deceased, archived: archived)
        names[id] = name
    }

    /// An appointment as kept, with its name.
    public func kept(_ id: Int64) -> Appointment? { stored[id].map { $0.appointment(name: name(of: $0.patientID)) } }

    /// Every appointment kept, cancelled ones included, with its name, by start.
    public func keptAppointments() -> [Appointment] {
        byStart(Array(stored.values)).map { $0.appointment(name: name(of: $0.patientID)) }
    }

    /// Adds an absence as if set earlier (not a call, not logged; the
    /// change number does not move); later ones are numbered after it.
    public func seed(_ absence: Absence) {
        absenceList[absence.id] = absence
        nextAbsence = max(nextAbsence, absence.id + 1)
    }

    /// Another desk changed something (a patient, the agenda): the change number moves.
    public func touch() { changes += 1 }

    private func name(of patient: Int64) -> String {
        patients?.identity(patient)?.displayName ?? names[patient] ?? "?"
    }

    private func byStart(_ list: [StoredAppointment]) -> [StoredAppointment] {
        list.sorted { ($0.start, $0.id) < ($1.start, $1.id) }
    }

    private func absencesOverlapping(from: Date, to: Date) -> [Absence] {
        absenceList.values.filter { $0.start < to && $0.end > from }.sorted { ($0.start, $0.id) < ($1.start, $1.id) }
    }

    private func startingIn(_ from: Date, _ to: Date) -> [StoredAppointment] {
        byStart(stored.values.filter { $0.start >= from && $0.start < to })
    }

    // MARK: AgendaRepository

    public func reading<T>(_ body: (any AgendaReading) throws -> T) throws -> T {
        calls.append("reading")
        return try body(self)
    }

    public func writing<T>(_ body: (any AgendaWriting) throws -> T) throws -> T {
        calls.append("writing")
        let saved = (stored, changes, nextAppointment)
        let mark = audit.mark
        do {
            return try body(self)
        } catch {
            (stored, changes, nextAppointment) = saved
            audit.rollBack(to: mark)
            throw error
        }
    }

    public func setOpeningHours(_ hours: OpeningHours) throws {
        calls.append("setOpeningHours")
        self.hours = hours
        changes += 1
        audit.log(.settingsChanged, detail: "opening_hours")
    }

    public func addAbsence(from: Date, to: Date, label: String) throws -> Int64 {
        calls.append("addAbsence")
        let id = nextAbsence
        nextAbsence += 1
        absenceList[id] = Absence(id: id, start: from, end: to, label: label)
        changes += 1
        audit.log(.settingsChanged, detail: "absence:\(id)")
        return id
    }

    public func removeAbsence(_ id: Int64) throws {
        calls.append("removeAbsence")
        guard absenceList.removeValue(forKey: id) != nil else { throw CabinetError.usage(key: "error.absence_not_found") }
        changes += 1
        audit.log(.settingsChanged, detail: "absence.removed:\(id)")
    }

    public func span(from: Date, to: Date, includeCancelled: Bool) throws -> AgendaSpan {
        calls.append("span")
        let list = startingIn(from, to).filter { includeCancelled || !$0.status.isCancelled }
        return AgendaSpan(appointments: list.map { $0.appointment(name: name(of: $0.patientID)) },
                          absences: absencesOverlapping(from: from, to: to), hours: hours)
    }

    public func setStatus(_ id: Int64, _ status: AppointmentStatus, category: String, now: Date) throws {
        calls.append("setStatus")
        guard var a = stored[id] else { throw CabinetError.agenda(.notFound(id: id)) }
        a.status = status
        if status == .arrived { a.arrivedAt = now } else if status == .booked { a.arrivedAt = nil }
        if status.isCancelled { a.cancelCategory = category }
        stored[id] = a
        changes += 1
        audit.log(status.isCancelled ? .appointmentCancelled : .appointmentStatus, object: "patient:\(a.patientID)",
                  detail: "appointment:\(id),\(status.rawValue)", at: now)
    }

    public func changeToken() throws -> String {
        calls.append("changeToken")
        if accountDisabled { throw CabinetError.session(.accountDisabled(login: audit.actor)) }
        return String(changes)
    }

    // MARK: AgendaReading

    public func openingHours() throws -> OpeningHours {
        calls.append("openingHours")
        return hours
    }

    public func absences(from: Date, to: Date) throws -> [Absence] {
        calls.append("absences")
        return absencesOverlapping(from: from, to: to)
    }

    public func appointments(startingFrom from: Date, to: Date) throws -> [Appointment] {
        calls.append("appointments")
        return startingIn(from, to).map { $0.appointment(name: name(of: $0.patientID)) }
    }

    /// Not cancelled, without names (as the store's index-only read).
    public func slotBlockers(from: Date, to: Date) throws -> [Appointment] {
        calls.append("slotBlockers")
        return startingIn(from, to).filter { $0.status.holdsSlot }.map { $0.appointment(name: "") }
    }

    public func standing(ofPatient id: Int64) throws -> BookingStanding? {
        calls.append("standing")
        if let kept = patients?.patients[id] {
            return BookingStanding(deceased: kept.flags.deceasedOn != nil, archived: standings[id]?.archived ?? false)
        }
        return standings[id]
    }

    public func appointment(_ id: Int64) throws -> Appointment? {
        calls.append("appointment")
        return kept(id)
    }

    // MARK: AgendaWriting

    /// Ids 1, 2, 3…
    public func insert(_ new: NewAppointment, bookedBy: String) throws -> Int64 {
        calls.append("insert")
        let id = nextAppointment
        nextAppointment += 1
        stored[id] = StoredAppointment(id: id, patientID: new.patient, start: new.start, minutes: new.minutes, type: new.type,
                                       reason: new.reason, status: .booked, arrivedAt: nil, bookedBy: bookedBy, bookedAt: new.now,
                                       forced: new.forced, cancelCategory: "")
        changes += 1
        // The trail names the appointment and the patient, never the reason.
        audit.log(.appointmentBooked, object: "patient:\(new.patient)", detail: "appointment:\(id)" + (new.forced ? ",forced" : ""),
                  at: new.now)
        return id
    }

    public func reschedule(_ id: Int64, patient: Int64, start: Date, minutes: Int) throws {
        calls.append("reschedule")
        guard var a = stored[id] else { throw CabinetError.agenda(.notFound(id: id)) }
        a.start = start
        a.minutes = minutes
        stored[id] = a
        changes += 1
        audit.log(.appointmentMoved, object: "patient:\(patient)", detail: "appointment:\(id)")
    }
}
