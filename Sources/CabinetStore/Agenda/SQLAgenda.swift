import CabinetCore
import Foundation
import GRDB

/// The appointment book's repository over the sealed database. It fetches
/// and writes; every decision is `AgendaService`'s. Bookings run in an
/// IMMEDIATE transaction (`writing`): the service's checks and the insert
/// hold the write lock together, so two desks booking the same slot at the
/// same moment get one appointment and one conflict, never two.
final class SQLAgendaRepository: AgendaRepository {
    let vault: Vault

    init(vault: Vault) { self.vault = vault }

    func reading<T>(_ body: (any AgendaReading) throws -> T) throws -> T {
        let index = vault.patientIndexStorage
        return try vault.read { db in try body(SQLAgendaTransaction(db: db, index: index, appender: nil)) }
    }

    func writing<T>(_ body: (any AgendaWriting) throws -> T) throws -> T {
        let appender = try vault.auditAppender()
        let index = vault.patientIndexStorage
        return try vault.writeImmediate { db in try body(SQLAgendaTransaction(db: db, index: index, appender: appender)) }
    }

    func setOpeningHours(_ hours: OpeningHours) throws {
        let json = String(decoding: try JSONEncoder().encode(hours), as: UTF8.self)
        let appender = try vault.auditAppender()
        try vault.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO cabinet_meta(key, value) VALUES ('opening_hours', ?)", arguments: [json])
            try ChangeNumbers.bumpAgenda(db)
            try appender.append(db, .settingsChanged, detail: "opening_hours")
        }
    }

    func addAbsence(from: Date, to: Date, label: String) throws -> Int64 {
        let appender = try vault.auditAppender()
        return try vault.write { db in
            try db.execute(sql: "INSERT INTO absence(start_at, end_at, label) VALUES (?, ?, ?)",
                           arguments: [Int64(from.timeIntervalSince1970), Int64(to.timeIntervalSince1970), label])
            let id = db.lastInsertedRowID
            try ChangeNumbers.bumpAgenda(db)
            try appender.append(db, .settingsChanged, detail: "absence:\(id)")
            return id
        }
    }

    func removeAbsence(_ id: Int64) throws {
        let appender = try vault.auditAppender()
        try vault.write { db in
            try db.execute(sql: "DELETE FROM absence WHERE id = ?", arguments: [id])
            guard db.changesCount > 0 else { throw CabinetError.usage(key: "error.absence_not_found") }
            try ChangeNumbers.bumpAgenda(db)
            try appender.append(db, .settingsChanged, detail: "absence.removed:\(id)")
        }
    }

    func span(from: Date, to: Date, includeCancelled: Bool) throws -> AgendaSpan {
        let index = vault.patientIndexStorage
        return try vault.read { db in
            // The names come from the in-memory index (caught up in this
            // same snapshot): no lookup into the patient table per row.
            try index.catchUp(db)
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
            let tx = SQLAgendaTransaction(db: db, index: index, appender: nil)
            return AgendaSpan(appointments: out, absences: try tx.absences(from: from, to: to), hours: try tx.openingHours())
        }
    }

    func setStatus(_ id: Int64, _ status: AppointmentStatus, category: String, now: Date) throws {
        let appender = try vault.auditAppender()
        try vault.writeImmediate { db in
            guard let patient = try Int64.fetchOne(db, sql: "SELECT patient_id FROM appointment WHERE id = ?", arguments: [id])
            else { throw CabinetError.agenda(.notFound(id: id)) }
            try db.execute(sql: """
                UPDATE appointment SET status = ?,
                    arrived_at = CASE WHEN ? = 'arrived' THEN ? WHEN ? = 'booked' THEN NULL ELSE arrived_at END,
                    cancel_reason = CASE WHEN ? LIKE 'cancelled%' THEN ? ELSE cancel_reason END
                WHERE id = ?
                """, arguments: [status.rawValue, status.rawValue, Int64(now.timeIntervalSince1970), status.rawValue,
                                 status.rawValue, category, id])
            try ChangeNumbers.bumpAgenda(db)
            try appender.append(db, status.isCancelled ? .appointmentCancelled : .appointmentStatus,
                                object: "patient:\(patient)", detail: "appointment:\(id),\(status.rawValue)")
        }
    }

    /// A number that changes whenever any desk changes the agenda or a
    /// patient: screens poll it to stay current.
    func changeToken() throws -> String {
        // Polled every second by an open interface: an account disabled
        // meanwhile is told at once, not at its next write.
        try vault.checkStillListed()
        return try vault.read { db in
            try String.fetchOne(db, sql: """
                SELECT coalesce((SELECT value FROM cabinet_meta WHERE key = 'agenda_change_seq'), '0') || '.' ||
                       coalesce((SELECT value FROM cabinet_meta WHERE key = 'patient_change_seq'), '0')
                """) ?? ""
        }
    }
}

/// One transaction's reads (and, with an appender, writes) for the agenda.
struct SQLAgendaTransaction: AgendaWriting {
    let db: Database
    let index: PatientIndex
    let appender: AuditAppender?

    func openingHours() throws -> OpeningHours {
        guard let json = try String.fetchOne(db, sql: "SELECT value FROM cabinet_meta WHERE key = 'opening_hours'"),
              let hours = try? JSONDecoder().decode(OpeningHours.self, from: Data(json.utf8))
        else { return .standard }
        return hours
    }

    func absences(from: Date, to: Date) throws -> [Absence] {
        try Row.fetchAll(db, sql: "SELECT * FROM absence WHERE start_at < ? AND end_at > ? ORDER BY start_at",
                         arguments: [Int64(to.timeIntervalSince1970), Int64(from.timeIntervalSince1970)]).map {
            Absence(id: $0["id"], start: Date(timeIntervalSince1970: TimeInterval($0["start_at"] as Int64)),
                    end: Date(timeIntervalSince1970: TimeInterval($0["end_at"] as Int64)), label: $0["label"])
        }
    }

    func appointments(startingFrom from: Date, to: Date) throws -> [Appointment] {
        try Row.fetchAll(db, sql: """
            SELECT a.*, p.display_name FROM appointment a JOIN patient p ON p.id = a.patient_id
            WHERE a.start_at >= ? AND a.start_at < ?
            """, arguments: [Int64(from.timeIntervalSince1970), Int64(to.timeIntervalSince1970)]).map(Self.appointment)
    }

    /// Only the columns the slot search needs, from the covering index (no
    /// names, no reasons).
    func slotBlockers(from: Date, to: Date) throws -> [Appointment] {
        var out: [Appointment] = []
        let rows = try Row.fetchCursor(db.cachedStatement(sql: """
            SELECT id, patient_id, start_at, minutes, type, status FROM appointment INDEXED BY appointment_view
            WHERE start_at >= ? AND start_at < ? AND status NOT LIKE 'cancelled%'
            """), arguments: [Int64(from.timeIntervalSince1970), Int64(to.timeIntervalSince1970)])
        while let r = try rows.next() {
            out.append(Appointment(id: r[0], patientID: r[1], patientName: "",
                                   start: Date(timeIntervalSince1970: TimeInterval(r[2] as Int64)), minutes: r[3], type: r[4],
                                   reason: "", status: AppointmentStatus(rawValue: r[5]) ?? .booked, arrivedAt: nil, bookedBy: ""))
        }
        return out
    }

    func standing(ofPatient id: Int64) throws -> BookingStanding? {
        guard let p = try Row.fetchOne(db, sql: "SELECT deceased_on, archived_at FROM patient WHERE id = ?", arguments: [id])
        else { return nil }
        return BookingStanding(deceased: (p["deceased_on"] as String?) != nil, archived: (p["archived_at"] as String?) != nil)
    }

    func appointment(_ id: Int64) throws -> Appointment? {
        try Row.fetchOne(db, sql: """
            SELECT a.*, p.display_name FROM appointment a JOIN patient p ON p.id = a.patient_id WHERE a.id = ?
            """, arguments: [id]).map(Self.appointment)
    }

    func insert(_ a: NewAppointment, bookedBy: String) throws -> Int64 {
        guard let appender else { throw CabinetError.cancelled }
        let local = PracticeClock.local(a.start)
        let start = Int64(a.start.timeIntervalSince1970)
        try db.execute(sql: """
            INSERT INTO appointment(patient_id, start_at, end_at, local_day, minutes, type, reason, status, booked_by, booked_at, forced)
            VALUES (?, ?, ?, ?, ?, ?, ?, 'booked', ?, ?, ?)
            """, arguments: [a.patient, start, start + Int64(a.minutes * 60), local.date.iso, a.minutes, a.type, a.reason,
                             bookedBy, AuditLog.timestamp(a.now), a.forced ? 1 : 0])
        let id = db.lastInsertedRowID
        try ChangeNumbers.bumpAgenda(db)
        // The trail names the appointment and the patient, never the reason.
        try appender.append(db, .appointmentBooked, object: "patient:\(a.patient)",
                            detail: "appointment:\(id)" + (a.forced ? ",forced" : ""))
        return id
    }

    func reschedule(_ id: Int64, patient: Int64, start: Date, minutes: Int) throws {
        guard let appender else { throw CabinetError.cancelled }
        let s = Int64(start.timeIntervalSince1970)
        try db.execute(sql: "UPDATE appointment SET start_at = ?, end_at = ?, local_day = ?, minutes = ? WHERE id = ?",
                       arguments: [s, s + Int64(minutes * 60), PracticeClock.local(start).date.iso, minutes, id])
        try ChangeNumbers.bumpAgenda(db)
        try appender.append(db, .appointmentMoved, object: "patient:\(patient)", detail: "appointment:\(id)")
    }

    static func appointment(_ r: Row) -> Appointment {
        Appointment(id: r["id"], patientID: r["patient_id"], patientName: r["display_name"],
                    start: Date(timeIntervalSince1970: TimeInterval(r["start_at"] as Int64)), minutes: r["minutes"],
                    type: r["type"], reason: r["reason"], status: AppointmentStatus(rawValue: r["status"]) ?? .booked,
                    arrivedAt: (r["arrived_at"] as Int64?).map { Date(timeIntervalSince1970: TimeInterval($0)) },
                    bookedBy: r["booked_by"])
    }
}

/// The change numbers screens poll (`changeToken`) and the search index
/// follows (`patient_change_seq`).
package enum ChangeNumbers {
    package static func nextPatient(_ db: Database) throws -> Int64 {
        let next = (try String.fetchOne(db, sql: "SELECT value FROM cabinet_meta WHERE key = 'patient_change_seq'")
            .flatMap(Int64.init) ?? 0) + 1
        try db.execute(sql: "INSERT OR REPLACE INTO cabinet_meta(key, value) VALUES ('patient_change_seq', ?)",
                       arguments: [String(next)])
        return next
    }

    package static func bumpAgenda(_ db: Database) throws {
        let next = (try String.fetchOne(db, sql: "SELECT value FROM cabinet_meta WHERE key = 'agenda_change_seq'")
            .flatMap(Int64.init) ?? 0) + 1
        try db.execute(sql: "INSERT OR REPLACE INTO cabinet_meta(key, value) VALUES ('agenda_change_seq', ?)",
                       arguments: [String(next)])
    }
}
