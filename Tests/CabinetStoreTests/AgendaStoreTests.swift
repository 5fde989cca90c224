@testable @_spi(Testing) import CabinetStore
import CabinetCore
import Foundation
import Testing

/// The appointment book over a real sealed vault.
@Suite struct AgendaStoreTests {
    static let monday = CivilDate(year: 2026, month: 11, day: 23) ?? CivilDate(Date())
    static let before = PracticeClock.instant(CivilDate(year: 2026, month: 11, day: 20) ?? monday, TimeOfDay(minutes: 600)) ?? Date()

    static func at(_ h: Int, _ m: Int, _ d: CivilDate = monday) -> Date? { PracticeClock.instant(d, TimeOfDay(minutes: h * 60 + m)) }

    static func vault(_ dir: TempDir) throws -> (Vault, String, Int64, Int64) {
        let (v, path) = try PatientStoreTests.vault(dir)
        let a = try v.practice().patients.add(PatientStoreTests.identity())
        let b = try v.practice().patients.add(PatientStoreTests.identity("Martin", "Paul", born: "1980-01-01", sex: .male))
        return (v, path, a, b)
    }

    @Test func bookingConflictsAndForcing() throws {
        let dir = TempDir()
        let (v, path, a, b) = try Self.vault(dir)
        defer { v.lock() }
        let first = try v.practice().agenda.book(patient: a, start: Self.at(9, 0), minutes: 20, type: "consultation", now: Self.before)
        // An overlap is refused with the appointment that holds the slot.
        #expect(throws: CabinetError.self) { try v.practice().agenda.book(patient: b, start: Self.at(9, 10), minutes: 20, type: "consultation", now: Self.before) }
        do {
            _ = try v.practice().agenda.book(patient: b, start: Self.at(9, 10), minutes: 20, type: "consultation", now: Self.before)
        } catch CabinetError.agenda(.conflict(let id, _, _)) {
            #expect(id == first)
        }
        // Touching ends do not overlap.
        _ = try v.practice().agenda.book(patient: b, start: Self.at(9, 20), minutes: 20, type: "consultation", now: Self.before)
        // A doctor may double-book on purpose; the front desk may not.
        _ = try v.practice().agenda.book(patient: b, start: Self.at(9, 5), minutes: 10, type: "emergency", force: true, now: Self.before)
        // Outside hours: a warning the doctor may force.
        #expect(throws: CabinetError.agenda(.bookingNeedsForce(key: "booking.outside_hours", args: [:]))) {
            try v.practice().agenda.book(patient: a, start: Self.at(13, 0), minutes: 20, type: "consultation", now: Self.before)
        }
        _ = try v.practice().agenda.book(patient: a, start: Self.at(13, 0), minutes: 20, type: "consultation", force: true, now: Self.before)
        // Refusals, whoever asks.
        #expect(throws: CabinetError.agenda(.bookingRefused(key: "booking.duration", args: ["max": "8"]))) {
            try v.practice().agenda.book(patient: a, start: Self.at(10, 0), minutes: 0, type: "consultation", force: true, now: Self.before)
        }
        #expect(throws: CabinetError.agenda(.bookingRefused(key: "booking.past", args: [:]))) {
            try v.practice().agenda.book(patient: a, start: Self.at(10, 0), minutes: 20, type: "consultation", now: Date(timeIntervalSince1970: 1_900_000_000))
        }
        v.lock()
        let s = try Vault.signIn(at: path, login: "accueil", passphrase: Passphrase(secretaryPass))
        defer { s.signOut() }
        #expect(throws: CabinetError.self) {
            try s.practice().agenda.book(patient: a, start: Self.at(9, 10), minutes: 20, type: "consultation", force: true, now: Self.before)
        }
        #expect(throws: CabinetError.agenda(.bookingNeedsForce(key: "booking.outside_hours", args: [:]))) {
            try s.practice().agenda.book(patient: a, start: Self.at(19, 30), minutes: 20, type: "consultation", force: true, now: Self.before)
        }
        let day = PracticeClock.dayBounds(Self.monday)
        #expect(try s.practice().agenda.appointments(from: day.0, to: day.1).count == 4)
    }

    /// Opening hours typed as the interface and the command line take them,
    /// and absences added then removed (holder only, logged).
    @Test func hoursAndAbsencesAreSetAndAbsencesRemoved() throws {
        let dir = TempDir()
        let (v, path, a, _) = try Self.vault(dir)
        #expect(try OpeningHours.parseDay("8h30-12h30, 14:00-19:00") == [
            TimeRange(TimeOfDay(minutes: 510), TimeOfDay(minutes: 750)), TimeRange(TimeOfDay(minutes: 840), TimeOfDay(minutes: 1140))])
        #expect(try OpeningHours.parseDay("  ").isEmpty, "nothing: closed")
        #expect(throws: CabinetError.usage(key: "agenda.error.hours_range")) { try OpeningHours.parseDay("12:00-08:00") }
        #expect(throws: CabinetError.usage(key: "agenda.error.hours_range")) { try OpeningHours.parseDay("matin") }
        #expect(throws: CabinetError.usage(key: "agenda.error.hours_order")) {
            try OpeningHours.parseDay("08:00-12:00, 11:00-13:00")
        }
        #expect(OpeningHours.text(of: try OpeningHours.parseDay("8h-12h,14h-18h30")) == "08:00-12:00, 14:00-18:30")
        let away = try v.practice().agenda.addAbsence(from: try #require(Self.at(8, 0)), to: try #require(Self.at(20, 0)), label: "Formation")
        #expect(throws: CabinetError.agenda(.bookingNeedsForce(key: "booking.in_absence", args: ["label": "Formation"]))) {
            try v.practice().agenda.book(patient: a, start: Self.at(9, 0), minutes: 20, type: "consultation", now: Self.before)
        }
        try v.practice().agenda.removeAbsence(away)
        #expect(try v.practice().agenda.absences(from: Self.before, to: try #require(Self.at(23, 0))).isEmpty)
        _ = try v.practice().agenda.book(patient: a, start: Self.at(9, 0), minutes: 20, type: "consultation", now: Self.before)
        #expect(throws: CabinetError.usage(key: "error.absence_not_found")) { try v.practice().agenda.removeAbsence(away) }
        #expect(try v.practice().audit.entries().contains { $0.detail == "absence.removed:\(away)" })
        let again = try v.practice().agenda.addAbsence(from: try #require(Self.at(8, 0)), to: try #require(Self.at(9, 0)), label: "")
        v.lock()
        let s = try Vault.signIn(at: path, login: "accueil", passphrase: Passphrase(secretaryPass))
        defer { s.signOut() }
        #expect(throws: CabinetError.permissionDenied(operation: "changeSettings")) { try s.practice().agenda.removeAbsence(again) }
    }

    @Test func daylightSavingIsRight() throws {
        let dir = TempDir()
        let (v, _, a, _) = try Self.vault(dir)
        defer { v.lock() }
        let autumn = try #require(CivilDate(year: 2027, month: 10, day: 30))  // a Saturday, clocks go back that night
        let spring = try #require(CivilDate(year: 2027, month: 3, day: 27))
        let past = PracticeClock.instant(spring, TimeOfDay(minutes: 0)) ?? Date()
        let x = try v.practice().agenda.book(patient: a, start: Self.at(9, 0, autumn), minutes: 20, type: "consultation", now: past)
        let y = try v.practice().agenda.book(patient: a, start: Self.at(9, 0, spring), minutes: 20, type: "consultation", now: past.addingTimeInterval(-86_400))
        #expect(PracticeClock.local(try v.practice().agenda.appointment(x).start).time.formatted == "09:00")
        #expect(PracticeClock.local(try v.practice().agenda.appointment(y).start).time.formatted == "09:00")
        #expect(try v.practice().agenda.appointment(x).start.timeIntervalSince1970.truncatingRemainder(dividingBy: 86_400) == 7 * 3600, "09:00 CEST = 07:00Z")
        // The hour skipped in spring does not exist.
        let sunday = try #require(CivilDate(year: 2027, month: 3, day: 28))
        #expect(PracticeClock.instant(sunday, TimeOfDay(minutes: 150)) == nil)
    }

    @Test func statusCancellationAndTheNextFreeSlot() throws {
        let dir = TempDir()
        let (v, _, a, b) = try Self.vault(dir)
        defer { v.lock() }
        let first = try v.practice().agenda.book(patient: a, start: Self.at(8, 30), minutes: 30, type: "first", reason: "Vaccin \u{1B}[31mà préparer", now: Self.before)
        #expect(try v.practice().agenda.appointment(first).reason == "Vaccin à préparer", "escape sequences stripped")
        #expect(try v.practice().agenda.nextFreeSlot(from: Self.at(8, 0) ?? Date(), minutes: 20) == Self.at(9, 0))
        // Beyond the first week: a ten-day absence from that Monday, and an
        // appointment at the first opening after it.
        let back = try #require(Self.monday.adding(days: 10))
        let away = try v.practice().agenda.addAbsence(from: try #require(Self.at(0, 0)), to: PracticeClock.dayBounds(back).0, label: "Congés")
        _ = try v.practice().agenda.book(patient: b, start: Self.at(8, 30, back), minutes: 20, type: "consultation", now: Self.before)
        #expect(try v.practice().agenda.nextFreeSlot(from: Self.at(8, 0) ?? Date(), minutes: 20) == Self.at(8, 50, back))
        try v.practice().agenda.removeAbsence(away)
        try v.practice().agenda.setStatus(first, .arrived, now: Self.at(8, 25) ?? Date())
        #expect(try v.practice().agenda.appointment(first).arrivedAt == Self.at(8, 25))
        try v.practice().agenda.cancel(first, byPatient: true, category: "malade")
        #expect(try v.practice().agenda.appointment(first).status == .cancelledByPatient)
        // A cancelled appointment frees its slot.
        _ = try v.practice().agenda.book(patient: b, start: Self.at(8, 30), minutes: 20, type: "consultation", now: Self.before)
        // A deceased patient: a warning.
        try v.practice().patients.setFlags(b, PatientFlags(deceasedOn: CivilDate(year: 2026, month: 1, day: 1)))
        #expect(throws: CabinetError.agenda(.bookingNeedsForce(key: "booking.patient_deceased", args: [:]))) {
            try v.practice().agenda.book(patient: b, start: Self.at(11, 0), minutes: 20, type: "consultation", now: Self.before)
        }
        // Audited, never with the reason.
        let trail = try v.practice().audit.entries(object: "patient:\(a)")
        #expect(trail.contains { $0.action == "agenda.booked" } && trail.contains { $0.action == "agenda.cancelled" }
                && trail.contains { $0.action == "agenda.status" })
        #expect(!trail.contains { ($0.detail ?? "").contains("Vaccin") })
    }

    @Test func aMoveIsCheckedLikeABooking() throws {
        let dir = TempDir()
        let (v, _, a, b) = try Self.vault(dir)
        defer { v.lock() }
        let x = try v.practice().agenda.book(patient: a, start: Self.at(10, 0), minutes: 20, type: "consultation", now: Self.before)
        let y = try v.practice().agenda.book(patient: b, start: Self.at(11, 0), minutes: 20, type: "consultation", now: Self.before)
        #expect(throws: CabinetError.self) { try v.practice().agenda.move(y, to: Self.at(10, 10), now: Self.before) }
        try v.practice().agenda.move(y, to: Self.at(10, 20), now: Self.before)
        try v.practice().agenda.move(x, to: Self.at(10, 0), minutes: 20, now: Self.before)  // onto itself: fine
        #expect(PracticeClock.local(try v.practice().agenda.appointment(y).start).time.formatted == "10:20")
    }

    /// Two processes book the same slots as fast as they can, a morning a
    /// day over a week (60 contested slots): every slot gets exactly one.
    @Test func twoDesksNeverDoubleBook() throws {
        let dir = TempDir()
        let (v, path, a, _) = try Self.vault(dir)
        v.lock()
        let pass = dir.file("pw")
        try (doctorPass + "\n").write(toFile: pass, atomically: true, encoding: .utf8)
        var total = 0
        for offset in 0..<5 {
            let day = try #require(Self.monday.adding(days: offset))
            let base = try #require(Self.at(8, 30, day)).timeIntervalSince1970
            // Twelve 20-minute slots: 08:30 to 12:30.
            let one = try Probe(["booker", path, "doc", pass, String(a), "12", String(base)])
            let two = try Probe(["booker", path, "doc", pass, String(a), "12", String(base)])
            one.finish()
            two.finish()
            let results = (one.output + two.output).filter { $0.hasPrefix("won ") }
            #expect(results.count == 2, "\(one.output) \(two.output)")
            total += results.compactMap { Int($0.split(separator: " ")[1]) }.reduce(0, +)
        }
        #expect(total == 60, "each slot booked once")
        let check = try Vault.signIn(at: path, login: "doc", passphrase: Passphrase(doctorPass))
        defer { check.signOut() }
        let week = (PracticeClock.dayBounds(Self.monday).0, PracticeClock.dayBounds(Self.monday.adding(days: 5) ?? Self.monday).0)
        let list = try check.practice().agenda.appointments(from: week.0, to: week.1)
        #expect(list.count == 60)
        #expect(Set(list.map(\.start)).count == 60, "never two appointments on one slot")
    }

    /// Two processes ask for the next free slot of the same morning at the
    /// same time, six times each: the slot is found inside the booking's
    /// write transaction, so they never pick the same one, and never hit a
    /// conflict.
    @Test func twoDesksBookingTheNextFreeSlotGetDifferentSlots() throws {
        let dir = TempDir()
        let (v, path, a, b) = try Self.vault(dir)
        v.lock()
        let pass = dir.file("pw")
        try (doctorPass + "\n").write(toFile: pass, atomically: true, encoding: .utf8)
        let base = try #require(Self.at(8, 30)).timeIntervalSince1970
        let one = try Probe(["nextfree", path, "doc", pass, String(a), "6", String(base)])
        let two = try Probe(["nextfree", path, "doc", pass, String(b), "6", String(base)])
        one.finish()
        two.finish()
        let lines = one.output + two.output
        #expect(!lines.contains("conflict"), "\(lines)")
        #expect(!lines.contains("none"), "\(lines)")
        let slots = lines.filter { $0.hasPrefix("slot ") }.compactMap { Int64($0.dropFirst(5)) }
        #expect(slots.count == 12, "\(lines)")
        #expect(Set(slots).count == 12, "two desks got the same slot")
        // The first twelve 20-minute slots of the morning, each once.
        let expected = (0..<12).map { Int64(base) + Int64($0 * 20 * 60) }
        #expect(slots.sorted() == expected)
        let check = try Vault.signIn(at: path, login: "doc", passphrase: Passphrase(doctorPass))
        defer { check.signOut() }
        let day = PracticeClock.dayBounds(Self.monday)
        #expect(try check.practice().agenda.appointments(from: day.0, to: day.1).count == 12)
    }
}
