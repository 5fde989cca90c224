import CabinetCore
import Foundation
import GRDB

/// The appointment book over the sealed database. Bookings run in an
/// IMMEDIATE transaction: the overlap check and the insert hold the write
/// lock together, so two desks booking the same slot at the same moment
/// get one appointment and one conflict, never two appointments.
/// The appointments, absences and opening hours of a span of time.
public struct AgendaSpan: Sendable {
    public var appointments: [Appointment]
    public var absences: [Absence]
    public var hours: OpeningHours
}

extension Vault {
    // MARK: - Settings

    public func openingHours() throws -> OpeningHours {
        try read { db in try Self.openingHours(db) }
    }

    static func openingHours(_ db: Database) throws -> OpeningHours {
        guard let json = try String.fetchOne(db, sql: "SELECT value FROM cabinet_meta WHERE key = 'opening_hours'"),
              let hours = try? JSONDecoder().decode(OpeningHours.self, from: Data(json.utf8))
        else { return .standard }
        return hours
    }

    public func setOpeningHours(_ hours: OpeningHours) throws {
        try AccessPolicy.check(session, .changeSettings)
        let json = String(decoding: try JSONEncoder().encode(hours), as: UTF8.self)
        let key = try auditKey(), actor = session.actor
        try write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO cabinet_meta(key, value) VALUES ('opening_hours', ?)", arguments: [json])
            try Self.bumpAgenda(db)
            try AuditLog.append(db, key: key, actor: actor, action: .settingsChanged, detail: "opening_hours")
        }
    }

    public func absences(from: Date, to: Date) throws -> [Absence] {
        try AccessPolicy.check(session, .manageAgenda)
        return try read { db in try Self.absences(db, from: from, to: to) }
    }

    static func absences(_ db: Database, from: Date, to: Date) throws -> [Absence] {
        try Row.fetchAll(db, sql: "SELECT * FROM absence WHERE start_at < ? AND end_at > ? ORDER BY start_at",
                         arguments: [Int64(to.timeIntervalSince1970), Int64(from.timeIntervalSince1970)]).map {
            Absence(id: $0["id"], start: Date(timeIntervalSince1970: TimeInterval($0["start_at"] as Int64)),
                    end: Date(timeIntervalSince1970: TimeInterval($0["end_at"] as Int64)), label: $0["label"])
        }
    }

    public func addAbsence(from: Date, to: Date, label: String) throws -> Int64 {
        try AccessPolicy.check(session, .changeSettings)
        guard to > from else { throw CabinetError.usage(key: "error.absence_order") }
        let clean = FieldText.sanitize(label, multiline: false, maxLength: 80).text
        let key = try auditKey(), actor = session.actor
        return try write { db in
            try db.execute(sql: "INSERT INTO absence(start_at, end_at, label) VALUES (?, ?, ?)",
                           arguments: [Int64(from.timeIntervalSince1970), Int64(to.timeIntervalSince1970), clean])
            let id = db.lastInsertedRowID
            try Self.bumpAgenda(db)
            try AuditLog.append(db, key: key, actor: actor, action: .settingsChanged, detail: "absence:\(id)")
            return id
        }
    }

    /// Removes an absence typed by mistake (logged; appointments are not
    /// touched).
    public func removeAbsence(_ id: Int64) throws {
        try AccessPolicy.check(session, .changeSettings)
        let key = try auditKey(), actor = session.actor
        try write { db in
            try db.execute(sql: "DELETE FROM absence WHERE id = ?", arguments: [id])
            guard db.changesCount > 0 else { throw CabinetError.usage(key: "error.absence_not_found") }
            try Self.bumpAgenda(db)
            try AuditLog.append(db, key: key, actor: actor, action: .settingsChanged, detail: "absence.removed:\(id)")
        }
    }

    // MARK: - Appointments

    /// The appointments whose start lies in [from, to), with the patients'
    /// names, by start.
    public func appointments(from: Date, to: Date, includeCancelled: Bool = true) throws -> [Appointment] {
        try agendaSpan(from: from, to: to, includeCancelled: includeCancelled).appointments
    }

    /// What the day and week views show, read in one snapshot: the
    /// appointments of [from, to) with the patients' names, the absences
    /// overlapping it and the opening hours.
    public func agendaSpan(from: Date, to: Date, includeCancelled: Bool = true) throws -> AgendaSpan {
        try AccessPolicy.check(session, .manageAgenda)
        let index = patientIndexStorage
        return try read { db in
            // The names come from the in-memory index (caught up in this
            // same snapshot): no lookup into the patient table per row.
            try Self.catchUp(index, db)
            var sql = """
                SELECT id, patient_id, start_at, minutes, type, status, arrived_at, booked_by, reason
                FROM appointment INDEXED BY appointment_view WHERE start_at >= ? AND start_at < ?
                """
            if !includeCancelled { sql += " AND status NOT LIKE 'cancelled%'" }
            sql += " ORDER BY start_at, id"
            var out: [Appointment] = []
            // A cached statement: compiled once per connection, not per frame.
            let rows = try Row.fetchCursor(db.cachedStatement(sql: sql),
                                           arguments: [Int64(from.timeIntervalSince1970), Int64(to.timeIntervalSince1970)])
            while let r = try rows.next() {
                let patient: Int64 = r[1]
                out.append(Appointment(id: r[0], patientID: patient, patientName: index.name(of: patient) ?? "?",
                                       start: Date(timeIntervalSince1970: TimeInterval(r[2] as Int64)), minutes: r[3],
                                       type: r[4], reason: r[8], status: AppointmentStatus(rawValue: r[5]) ?? .booked,
                                       arrivedAt: (r[6] as Int64?).map { Date(timeIntervalSince1970: TimeInterval($0)) },
                                       bookedBy: r[7]))
            }
            return AgendaSpan(appointments: out, absences: try Self.absences(db, from: from, to: to),
                              hours: try Self.openingHours(db))
        }
    }

    static func appointments(_ db: Database, from: Date, to: Date, includeCancelled: Bool) throws -> [Appointment] {
        // Only the columns the index `appointment_view` holds.
        var sql = """
            SELECT a.id, a.patient_id, a.start_at, a.minutes, a.type, a.status, a.arrived_at, a.booked_by, a.reason,
                   p.display_name
            FROM appointment a INDEXED BY appointment_view JOIN patient p ON p.id = a.patient_id
            WHERE a.start_at >= ? AND a.start_at < ?
            """
        if !includeCancelled { sql += " AND a.status NOT LIKE 'cancelled%'" }
        sql += " ORDER BY a.start_at, a.id"
        return try Row.fetchAll(db, sql: sql, arguments: [Int64(from.timeIntervalSince1970), Int64(to.timeIntervalSince1970)])
            .map(appointment)
    }

    static func appointment(_ r: Row) -> Appointment {
        Appointment(id: r["id"], patientID: r["patient_id"], patientName: r["display_name"],
                    start: Date(timeIntervalSince1970: TimeInterval(r["start_at"] as Int64)), minutes: r["minutes"],
                    type: r["type"], reason: r["reason"], status: AppointmentStatus(rawValue: r["status"]) ?? .booked,
                    arrivedAt: (r["arrived_at"] as Int64?).map { Date(timeIntervalSince1970: TimeInterval($0)) },
                    bookedBy: r["booked_by"])
    }

    public func appointment(_ id: Int64) throws -> Appointment {
        try AccessPolicy.check(session, .manageAgenda)
        return try read { db in
            guard let r = try Row.fetchOne(db, sql: """
                SELECT a.*, p.display_name FROM appointment a JOIN patient p ON p.id = a.patient_id WHERE a.id = ?
                """, arguments: [id]) else { throw CabinetError.appointmentNotFound(id: id) }
            return Self.appointment(r)
        }
    }

    /// Books an appointment. Refusals (past, duration, a time that does not
    /// exist) always stop it; warnings (outside hours, an absence, a
    /// deceased patient) and an overlap stop it unless a doctor forces.
    public func book(patient: Int64, start: Date?, minutes: Int, type: String, reason: String = "", force: Bool = false,
                     now: Date = Date()) throws -> Int64 {
        let id = try book(patient: patient, minutes: minutes, type: type, reason: reason, force: force, now: now) { _, _ in start }
        // Never nil here: without `noSlot`, a missing start is refused by the checks.
        guard let id else { throw CabinetError.bookingRefused(key: BookingProblem.nonexistentTime.messageKey, args: [:]) }
        return id
    }

    /// Books `patient` at the first free slot from `from` (as
    /// `nextFreeSlot`), or returns nil when there is none in 91 days.
    ///
    /// The slot is looked for inside the booking's own IMMEDIATE write
    /// transaction: another desk booking at the same time waits for the
    /// write lock, then sees this appointment and takes the next slot.
    /// Picking it first and booking it after (as `nextFreeSlot` then `book`
    /// did) let two desks pick the same slot and one of them get a conflict.
    public func bookNextFree(patient: Int64, from: Date, minutes: Int, type: String, reason: String = "",
                             force: Bool = false, now: Date = Date()) throws -> (id: Int64, start: Date)? {
        var found: Date?
        let id = try book(patient: patient, minutes: minutes, type: type, reason: reason, force: force, now: now) { db, hours in
            found = try Self.freeSlot(db, from: from, minutes: minutes, hours: hours)
            return found
        } noSlot: {
            true
        }
        guard let id, let found else { return nil }
        return (id, found)
    }

    /// The booking itself, in one IMMEDIATE transaction: `slot` chooses the
    /// start under the write lock (nil start: `checkBooking` refuses it,
    /// unless `noSlot` says to give up quietly, which returns nil).
    private func book(patient: Int64, minutes: Int, type: String, reason: String, force: Bool, now: Date,
                      slot: (Database, OpeningHours) throws -> Date?, noSlot: () -> Bool = { false }) throws -> Int64? {
        try AccessPolicy.check(session, .manageAgenda)
        let forcing = force && AccessPolicy.allows(session.role, .forceBooking)
        let cleanReason = FieldText.sanitize(reason, multiline: false, maxLength: 120).text
        let hours = try openingHours()
        let key = try auditKey(), actor = session.actor
        return try writeImmediate { db -> Int64? in
            guard let p = try Row.fetchOne(db, sql: "SELECT deceased_on, archived_at FROM patient WHERE id = ?", arguments: [patient])
            else { throw CabinetError.patientNotFound(id: patient) }
            if (p["archived_at"] as String?) != nil { throw CabinetError.patientArchived(id: patient) }
            let deceased = (p["deceased_on"] as String?) != nil
            let wanted = try slot(db, hours)
            if wanted == nil && noSlot() { return nil }
            let start = try Self.checkBooking(db, start: wanted, minutes: minutes, hours: hours, deceased: deceased,
                                              forcing: forcing, excluding: nil, now: now)
            let local = PracticeClock.local(start)
            try db.execute(sql: """
                INSERT INTO appointment(patient_id, start_at, end_at, local_day, minutes, type, reason, status, booked_by, booked_at, forced)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'booked', ?, ?, ?)
                """, arguments: [patient, Int64(start.timeIntervalSince1970), Int64(start.timeIntervalSince1970) + Int64(minutes * 60),
                                 local.date.iso, minutes, type, cleanReason, actor, AuditLog.timestamp(now), forcing ? 1 : 0])
            let id = db.lastInsertedRowID
            try Self.bumpAgenda(db)
            // The trail names the appointment and the patient, never the reason.
            try AuditLog.append(db, key: key, actor: actor, action: .appointmentBooked, object: "patient:\(patient)",
                                detail: "appointment:\(id)" + (forcing ? ",forced" : ""))
            return id
        }
    }

    /// Moves an appointment (same checks as booking).
    public func move(_ id: Int64, to start: Date?, minutes: Int? = nil, force: Bool = false, now: Date = Date()) throws {
        try AccessPolicy.check(session, .manageAgenda)
        let forcing = force && AccessPolicy.allows(session.role, .forceBooking)
        let hours = try openingHours()
        let key = try auditKey(), actor = session.actor
        try writeImmediate { db in
            guard let r = try Row.fetchOne(db, sql: "SELECT a.*, p.deceased_on FROM appointment a JOIN patient p ON p.id = a.patient_id WHERE a.id = ?",
                                           arguments: [id]) else { throw CabinetError.appointmentNotFound(id: id) }
            let length = minutes ?? r["minutes"]
            let start = try Self.checkBooking(db, start: start, minutes: length, hours: hours,
                                              deceased: (r["deceased_on"] as String?) != nil, forcing: forcing, excluding: id, now: now)
            try db.execute(sql: "UPDATE appointment SET start_at = ?, end_at = ?, local_day = ?, minutes = ? WHERE id = ?",
                           arguments: [Int64(start.timeIntervalSince1970), Int64(start.timeIntervalSince1970) + Int64(length * 60),
                                       PracticeClock.local(start).date.iso, length, id])
            try Self.bumpAgenda(db)
            try AuditLog.append(db, key: key, actor: actor, action: .appointmentMoved, object: "patient:\(r["patient_id"] as Int64)",
                                detail: "appointment:\(id)")
        }
    }

    /// Cancels (by the patient or the practice), with a reason category.
    public func cancel(_ id: Int64, byPatient: Bool, category: String = "", now: Date = Date()) throws {
        try setStatus(id, byPatient ? .cancelledByPatient : .cancelledByPractice, category: category, now: now)
    }

    public func setStatus(_ id: Int64, _ status: AppointmentStatus, category: String = "", now: Date = Date()) throws {
        try AccessPolicy.check(session, .manageAgenda)
        let key = try auditKey(), actor = session.actor
        try writeImmediate { db in
            guard let patient = try Int64.fetchOne(db, sql: "SELECT patient_id FROM appointment WHERE id = ?", arguments: [id])
            else { throw CabinetError.appointmentNotFound(id: id) }
            try db.execute(sql: """
                UPDATE appointment SET status = ?,
                    arrived_at = CASE WHEN ? = 'arrived' THEN ? WHEN ? = 'booked' THEN NULL ELSE arrived_at END,
                    cancel_reason = CASE WHEN ? LIKE 'cancelled%' THEN ? ELSE cancel_reason END
                WHERE id = ?
                """, arguments: [status.rawValue, status.rawValue, Int64(now.timeIntervalSince1970), status.rawValue,
                                 status.rawValue, FieldText.sanitize(category, multiline: false, maxLength: 40).text, id])
            try Self.bumpAgenda(db)
            try AuditLog.append(db, key: key, actor: actor, action: status.isCancelled ? .appointmentCancelled : .appointmentStatus,
                                object: "patient:\(patient)", detail: "appointment:\(id),\(status.rawValue)")
        }
    }

    /// The first free start of `minutes` from `from`.
    public func nextFreeSlot(from: Date, minutes: Int) throws -> Date? {
        try AccessPolicy.check(session, .manageAgenda)
        let hours = try openingHours()
        return try read { db in try Self.freeSlot(db, from: from, minutes: minutes, hours: hours) }
    }

    /// The first free slot from `from`, read in `db` (a read, or a booking's
    /// write transaction). A week first (where the answer nearly always
    /// is), then up to 91 days: a full book at a million appointments holds
    /// ~12 000 in 91 days, and reading them all for every "n" or Ctrl-F
    /// took 70 ms.
    static func freeSlot(_ db: Database, from: Date, minutes: Int, hours: OpeningHours) throws -> Date? {
        let origin = PracticeClock.local(from).date
        for days in [7, 91] {
            guard let end = origin.adding(days: days) else { return nil }
            let until = PracticeClock.dayBounds(end).0
            let booked = try slotBlockers(db, from: from.addingTimeInterval(-86_400), to: until)
            let away = try absences(db, from: from, to: until)
            if let slot = AgendaRules.nextFreeSlot(from: from, minutes: minutes, hours: hours, appointments: booked, absences: away,
                                                   searchDays: days) {
                return slot
            }
        }
        return nil
    }

    /// What holds a slot in [from, to): only the columns the slot search
    /// needs, from the covering index (no names, no reasons).
    static func slotBlockers(_ db: Database, from: Date, to: Date) throws -> [Appointment] {
        var out: [Appointment] = []
        let rows = try Row.fetchCursor(db.cachedStatement(sql: """
            SELECT id, patient_id, start_at, minutes, type, status FROM appointment INDEXED BY appointment_view
            WHERE start_at >= ? AND start_at < ? AND status NOT LIKE 'cancelled%'
            """), arguments: [Int64(from.timeIntervalSince1970), Int64(to.timeIntervalSince1970)])
        while let r = try rows.next() {
            out.append(Appointment(id: r[0], patientID: r[1], patientName: "", start: Date(timeIntervalSince1970: TimeInterval(r[2] as Int64)),
                                   minutes: r[3], type: r[4], reason: "", status: AppointmentStatus(rawValue: r[5]) ?? .booked,
                                   arrivedAt: nil, bookedBy: ""))
        }
        return out
    }

    /// A number that changes whenever any desk changes the agenda or a
    /// patient: screens poll it to stay current.
    public func changeToken() throws -> String {
        // Polled every second by an open interface: an account disabled
        // meanwhile is told at once, not at its next write.
        try checkStillListed()
        return try read { db in
            try String.fetchOne(db, sql: """
                SELECT coalesce((SELECT value FROM cabinet_meta WHERE key = 'agenda_change_seq'), '0') || '.' ||
                       coalesce((SELECT value FROM cabinet_meta WHERE key = 'patient_change_seq'), '0')
                """) ?? ""
        }
    }

    // MARK: - Helpers

    /// Checks a booking inside the write transaction; returns the start.
    static func checkBooking(_ db: Database, start: Date?, minutes: Int, hours: OpeningHours, deceased: Bool, forcing: Bool,
                             excluding: Int64?, now: Date) throws -> Date {
        let until = (start ?? now).addingTimeInterval(TimeInterval(max(minutes, 0) * 60))
        let away = try Row.fetchAll(db, sql: "SELECT * FROM absence WHERE start_at < ? AND end_at > ?",
                                    arguments: [Int64(until.timeIntervalSince1970), Int64((start ?? now).timeIntervalSince1970)]).map {
            Absence(id: $0["id"], start: Date(timeIntervalSince1970: TimeInterval($0["start_at"] as Int64)),
                    end: Date(timeIntervalSince1970: TimeInterval($0["end_at"] as Int64)), label: $0["label"])
        }
        let verdict = AgendaRules.check(start: start, minutes: minutes, now: now, hours: hours, absences: away,
                                        patientDeceased: deceased)
        if let refusal = verdict.refusals.first {
            throw CabinetError.bookingRefused(key: refusal.messageKey, args: refusal.messageArgs)
        }
        guard let start else { throw CabinetError.bookingRefused(key: "booking.nonexistent_time", args: [:]) }
        if let warning = verdict.warnings.first, !forcing {
            throw CabinetError.bookingNeedsForce(key: warning.messageKey, args: warning.messageArgs)
        }
        if !forcing {
            // SQL only fetches the appointments starting in the day before
            // the end (none lasts a day); whether one overlaps and holds its
            // slot is Core's rule, the same the interface and the next free
            // slot use.
            let s = Int64(start.timeIntervalSince1970), e = s + Int64(minutes * 60)
            let near = try Row.fetchAll(db, sql: """
                SELECT a.*, p.display_name FROM appointment a JOIN patient p ON p.id = a.patient_id
                WHERE a.start_at >= ? AND a.start_at < ?
                """, arguments: [s - 86_400, e]).map(appointment)
            if let other = AgendaRules.conflict(start: start, minutes: minutes, among: near, excluding: excluding) {
                throw CabinetError.appointmentConflict(id: other.id, patient: other.patientName, start: other.start)
            }
        }
        return start
    }

    static func bumpAgenda(_ db: Database) throws {
        let next = (try String.fetchOne(db, sql: "SELECT value FROM cabinet_meta WHERE key = 'agenda_change_seq'")
            .flatMap(Int64.init) ?? 0) + 1
        try db.execute(sql: "INSERT OR REPLACE INTO cabinet_meta(key, value) VALUES ('agenda_change_seq', ?)",
                       arguments: [String(next)])
    }
}
