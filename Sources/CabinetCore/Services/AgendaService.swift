import Foundation

/// The appointment book's rules and access policy. The store fetches and
/// writes inside one transaction; every decision (refusals, warnings, who
/// may force, overlaps, the next free slot) is taken here with
/// `AgendaRules`, the same rules the interface shows.
public struct AgendaService {
    public let session: Session
    let repository: any AgendaRepository

    public init(session: Session, repository: any AgendaRepository) {
        self.session = session
        self.repository = repository
    }

    func require(_ privilege: Privilege) throws { try AccessPolicy.check(session, privilege) }

    /// Whether this session may book past a warning or over another appointment.
    public var mayForce: Bool { AccessPolicy.allows(session.role, .forceBooking) }

    // MARK: Settings

    public func openingHours() throws -> OpeningHours {
        try repository.reading { try $0.openingHours() }
    }

    public func setOpeningHours(_ hours: OpeningHours) throws {
        try require(.changeSettings)
        try repository.setOpeningHours(hours)
    }

    public func absences(from: Date, to: Date) throws -> [Absence] {
        try require(.manageAgenda)
        return try repository.reading { try $0.absences(from: from, to: to) }
    }

    public func addAbsence(from: Date, to: Date, label: String) throws -> Int64 {
        try require(.changeSettings)
        guard to > from else { throw CabinetError.usage(key: "error.absence_order") }
        return try repository.addAbsence(from: from, to: to, label: FieldText.sanitize(label, multiline: false, maxLength: 80).text)
    }

    /// Removes an absence typed by mistake (logged; appointments stay).
    public func removeAbsence(_ id: Int64) throws {
        try require(.changeSettings)
        try repository.removeAbsence(id)
    }

    // MARK: Reading

    /// What the day and week views show, read in one snapshot.
    public func span(from: Date, to: Date, includeCancelled: Bool = true) throws -> AgendaSpan {
        try require(.manageAgenda)
        return try repository.span(from: from, to: to, includeCancelled: includeCancelled)
    }

    public func appointments(from: Date, to: Date, includeCancelled: Bool = true) throws -> [Appointment] {
        try span(from: from, to: to, includeCancelled: includeCancelled).appointments
    }

    public func appointment(_ id: Int64) throws -> Appointment {
        try require(.manageAgenda)
        guard let found = try repository.reading({ try $0.appointment(id) }) else {
            throw CabinetError.agenda(.notFound(id: id))
        }
        return found
    }

    /// The first free start of `minutes` from `from`.
    public func nextFreeSlot(from: Date, minutes: Int) throws -> Date? {
        try require(.manageAgenda)
        return try repository.reading { try Self.freeSlot($0, from: from, minutes: minutes) }
    }

    public func changeToken() throws -> String { try repository.changeToken() }

    // MARK: Booking

    /// Books an appointment. Refusals (past, duration, a time that does not
    /// exist) always stop it; warnings (outside hours, an absence, a
    /// deceased patient) and an overlap stop it unless a doctor forces.
    public func book(patient: Int64, start: Date?, minutes: Int, type: String, reason: String = "", force: Bool = false,
                     now: Date = Date()) throws -> Int64 {
        try require(.manageAgenda)
        let forcing = force && mayForce
        return try repository.writing { tx in
            let standing = try Self.standing(tx, patient)
            let start = try Self.check(tx, start: start, minutes: minutes, deceased: standing.deceased, forcing: forcing,
                                       excluding: nil, now: now)
            return try tx.insert(NewAppointment(patient: patient, start: start, minutes: minutes, type: type,
                                                reason: Self.cleanReason(reason), forced: forcing, now: now),
                                 bookedBy: session.actor)
        }
    }

    /// Books `patient` at the first free slot from `from`, or returns nil
    /// when there is none in 91 days. The slot is looked for under the
    /// booking's own write lock: another desk booking at the same time
    /// waits, then sees this appointment and takes the next slot.
    public func bookNextFree(patient: Int64, from: Date, minutes: Int, type: String, reason: String = "",
                             force: Bool = false, now: Date = Date()) throws -> (id: Int64, start: Date)? {
        try require(.manageAgenda)
        let forcing = force && mayForce
        return try repository.writing { tx in
            let standing = try Self.standing(tx, patient)
            guard let found = try Self.freeSlot(tx, from: from, minutes: minutes) else { return nil }
            let start = try Self.check(tx, start: found, minutes: minutes, deceased: standing.deceased, forcing: forcing,
                                       excluding: nil, now: now)
            let id = try tx.insert(NewAppointment(patient: patient, start: start, minutes: minutes, type: type,
                                                  reason: Self.cleanReason(reason), forced: forcing, now: now),
                                   bookedBy: session.actor)
            return (id, start)
        }
    }

    /// Moves an appointment (same checks as booking).
    public func move(_ id: Int64, to start: Date?, minutes: Int? = nil, force: Bool = false, now: Date = Date()) throws {
        try require(.manageAgenda)
        let forcing = force && mayForce
        try repository.writing { tx in
            guard let current = try tx.appointment(id) else { throw CabinetError.agenda(.notFound(id: id)) }
            let length = minutes ?? current.minutes
            let deceased = try tx.standing(ofPatient: current.patientID)?.deceased ?? false
            let start = try Self.check(tx, start: start, minutes: length, deceased: deceased, forcing: forcing,
                                       excluding: id, now: now)
            try tx.reschedule(id, patient: current.patientID, start: start, minutes: length)
        }
    }

    /// Cancels (by the patient or the practice), with a reason category.
    public func cancel(_ id: Int64, byPatient: Bool, category: String = "", now: Date = Date()) throws {
        try setStatus(id, byPatient ? .cancelledByPatient : .cancelledByPractice, category: category, now: now)
    }

    public func setStatus(_ id: Int64, _ status: AppointmentStatus, category: String = "", now: Date = Date()) throws {
        try require(.manageAgenda)
        try repository.setStatus(id, status, category: FieldText.sanitize(category, multiline: false, maxLength: 40).text, now: now)
    }

    // MARK: The rules over what the store fetched

    static func cleanReason(_ reason: String) -> String { FieldText.sanitize(reason, multiline: false, maxLength: 120).text }

    static func standing(_ tx: any AgendaReading, _ patient: Int64) throws -> BookingStanding {
        guard let standing = try tx.standing(ofPatient: patient) else { throw CabinetError.patients(.notFound(id: patient)) }
        if standing.archived { throw CabinetError.patients(.archived(id: patient)) }
        return standing
    }

    /// Checks a booking inside the transaction; returns the start.
    static func check(_ tx: any AgendaReading, start: Date?, minutes: Int, deceased: Bool, forcing: Bool, excluding: Int64?,
                      now: Date) throws -> Date {
        let from = start ?? now
        let until = from.addingTimeInterval(TimeInterval(max(minutes, 0) * 60))
        let verdict = AgendaRules.check(start: start, minutes: minutes, now: now, hours: try tx.openingHours(),
                                        absences: try tx.absences(from: from, to: until), patientDeceased: deceased)
        if let refusal = verdict.refusals.first {
            throw CabinetError.agenda(.bookingRefused(key: refusal.messageKey, args: refusal.messageArgs))
        }
        guard let start else {
            throw CabinetError.agenda(.bookingRefused(key: BookingProblem.nonexistentTime.messageKey, args: [:]))
        }
        if let warning = verdict.warnings.first, !forcing {
            throw CabinetError.agenda(.bookingNeedsForce(key: warning.messageKey, args: warning.messageArgs))
        }
        if !forcing {
            // None lasts a day: what starts in the day before the end is
            // all that can overlap.
            let near = try tx.appointments(startingFrom: start.addingTimeInterval(-86_400),
                                           to: start.addingTimeInterval(TimeInterval(minutes * 60)))
            if let other = AgendaRules.conflict(start: start, minutes: minutes, among: near, excluding: excluding) {
                throw CabinetError.agenda(.conflict(id: other.id, patient: other.patientName, start: other.start))
            }
        }
        return start
    }

    /// The first free slot from `from`: a week first (where the answer
    /// nearly always is), then up to 91 days (a full book holds ~12 000
    /// appointments in 91 days; reading them all for every "n" took 70 ms).
    static func freeSlot(_ tx: any AgendaReading, from: Date, minutes: Int) throws -> Date? {
        let hours = try tx.openingHours()
        let origin = PracticeClock.local(from).date
        for days in [7, 91] {
            guard let end = origin.adding(days: days) else { return nil }
            let until = PracticeClock.dayBounds(end).0
            let booked = try tx.slotBlockers(from: from.addingTimeInterval(-86_400), to: until)
            let away = try tx.absences(from: from, to: until)
            if let slot = AgendaRules.nextFreeSlot(from: from, minutes: minutes, hours: hours, appointments: booked,
                                                   absences: away, searchDays: days) {
                return slot
            }
        }
        return nil
    }
}
