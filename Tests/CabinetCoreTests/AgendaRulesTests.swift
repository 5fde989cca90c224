import Foundation
import Testing
@testable import CabinetCore

// All data is fictitious.

/// A local date of the practice; the tests only use valid ones.
func agendaDay(_ y: Int, _ m: Int, _ d: Int) -> CivilDate { CivilDate(year: y, month: m, day: d) ?? CivilDate(unchecked: 1970, 1, 1) }

/// The instant of local `hh:mm` on a date, in Europe/Paris.
func agendaParis(_ date: CivilDate, _ h: Int, _ m: Int) throws -> Date {
    try #require(PracticeClock.instant(date, TimeOfDay(minutes: h * 60 + m)))
}

/// An instant given in UTC, ISO 8601 (`2026-03-29T07:00:00Z`).
func agendaUTC(_ text: String) throws -> Date {
    try #require(ISO8601DateFormatter().date(from: text))
}

func agendaAppointment(_ id: Int64, _ start: Date, _ minutes: Int, status: AppointmentStatus = .booked, arrivedAt: Date? = nil,
                 name: String = "Léa Fictive", reason: String = "") -> Appointment {
    Appointment(id: id, patientID: 100 + id, patientName: name, start: start, minutes: minutes, type: "consultation",
                reason: reason, status: status, arrivedAt: arrivedAt, bookedBy: "secretariat")
}

@Suite("Agenda rules")
struct AgendaRulesTests {
    // 2026-03-16 is a Monday; 2026-03-22 a Sunday.
    let monday = agendaDay(2026, 3, 16)
    let hours = OpeningHours.standard
    /// Long before every booking below.
    var now: Date { Date(timeIntervalSince1970: 1_700_000_000) }

    func check(_ start: Date?, _ minutes: Int, absences: [Absence] = [], deceased: Bool = false, now: Date? = nil)
        -> (refusals: [BookingProblem], warnings: [BookingProblem]) {
        AgendaRules.check(start: start, minutes: minutes, now: now ?? self.now, hours: hours, absences: absences,
                          patientDeceased: deceased)
    }

    // MARK: Overlaps

    @Test func touchingEndsDoNotOverlap() throws {
        let nine = try agendaParis(monday, 9, 0)
        let list = [agendaAppointment(1, nine, 20)]
        #expect(AgendaRules.conflict(start: try agendaParis(monday, 9, 20), minutes: 20, among: list, excluding: nil) == nil)
        #expect(AgendaRules.conflict(start: try agendaParis(monday, 8, 40), minutes: 20, among: list, excluding: nil) == nil)
        #expect(AgendaRules.conflict(start: try agendaParis(monday, 9, 19), minutes: 20, among: list, excluding: nil)?.id == 1)
        #expect(AgendaRules.conflict(start: try agendaParis(monday, 8, 41), minutes: 20, among: list, excluding: nil)?.id == 1)
        // Inside and around.
        #expect(AgendaRules.conflict(start: try agendaParis(monday, 9, 5), minutes: 5, among: list, excluding: nil)?.id == 1)
        #expect(AgendaRules.conflict(start: try agendaParis(monday, 8, 30), minutes: 90, among: list, excluding: nil)?.id == 1)
    }

    @Test func cancelledAppointmentsFreeTheirSlot() throws {
        let nine = try agendaParis(monday, 9, 0)
        let list = [agendaAppointment(1, nine, 20, status: .cancelledByPatient), agendaAppointment(2, nine, 20, status: .cancelledByPractice)]
        #expect(AgendaRules.conflict(start: nine, minutes: 20, among: list, excluding: nil) == nil)
        // Every other state holds the slot.
        for status in AppointmentStatus.allCases where !status.isCancelled {
            #expect(AgendaRules.conflict(start: nine, minutes: 20, among: [agendaAppointment(3, nine, 20, status: status)],
                                         excluding: nil)?.id == 3, "\(status)")
        }
    }

    @Test func movingAnAppointmentIgnoresItself() throws {
        let nine = try agendaParis(monday, 9, 0)
        let list = [agendaAppointment(1, nine, 20), agendaAppointment(2, try agendaParis(monday, 9, 30), 20)]
        #expect(AgendaRules.conflict(start: try agendaParis(monday, 9, 10), minutes: 20, among: list, excluding: 1) == nil)
        #expect(AgendaRules.conflict(start: try agendaParis(monday, 9, 10), minutes: 30, among: list, excluding: 1)?.id == 2)
    }

    @Test func theEarliestConflictIsShown() throws {
        let list = [agendaAppointment(2, try agendaParis(monday, 9, 40), 20), agendaAppointment(1, try agendaParis(monday, 9, 0), 20)]
        #expect(AgendaRules.conflict(start: try agendaParis(monday, 9, 10), minutes: 60, among: list, excluding: nil)?.id == 1)
    }

    // MARK: Checks

    @Test func aBookingWithinHoursIsClean() throws {
        let verdict = check(try agendaParis(monday, 9, 0), 20)
        #expect(verdict.refusals.isEmpty)
        #expect(verdict.warnings.isEmpty)
        // Exactly up to closing.
        #expect(check(try agendaParis(monday, 12, 10), 20).warnings.isEmpty)
        #expect(check(try agendaParis(monday, 18, 30), 30).warnings.isEmpty)
    }

    @Test func openingHoursBreakClosingAndSunday() throws {
        // Spanning the lunch break.
        #expect(check(try agendaParis(monday, 12, 20), 20).warnings == [.outsideHours])
        // In the break.
        #expect(check(try agendaParis(monday, 13, 0), 20).warnings == [.outsideHours])
        // Past closing, and before opening.
        #expect(check(try agendaParis(monday, 18, 50), 20).warnings == [.outsideHours])
        #expect(check(try agendaParis(monday, 8, 20), 20).warnings == [.outsideHours])
        // Saturday afternoon and Sunday are closed.
        #expect(check(try agendaParis(agendaDay(2026, 3, 21), 14, 0), 20).warnings == [.outsideHours])
        #expect(check(try agendaParis(agendaDay(2026, 3, 22), 10, 0), 20).warnings == [.outsideHours])
        // Outside hours is a warning, not a refusal.
        #expect(check(try agendaParis(agendaDay(2026, 3, 22), 10, 0), 20).refusals.isEmpty)
        #expect(BookingProblem.outsideHours.isRefusal == false)
    }

    @Test func absencesWarnWithTheirLabel() throws {
        let holiday = Absence(id: 1, start: try agendaParis(agendaDay(2026, 3, 18), 0, 0), end: try agendaParis(agendaDay(2026, 3, 20), 0, 0),
                              label: "Congés")
        let training = Absence(id: 2, start: try agendaParis(monday, 14, 0), end: try agendaParis(monday, 16, 0), label: "Formation")
        let absences = [holiday, training]
        #expect(check(try agendaParis(agendaDay(2026, 3, 18), 9, 0), 20, absences: absences).warnings == [.inAbsence(label: "Congés")])
        #expect(check(try agendaParis(agendaDay(2026, 3, 19), 18, 0), 20, absences: absences).warnings == [.inAbsence(label: "Congés")])
        #expect(check(try agendaParis(monday, 15, 50), 20, absences: absences).warnings == [.inAbsence(label: "Formation")])
        // Touching the end of an absence is fine.
        #expect(check(try agendaParis(monday, 16, 0), 20, absences: absences).warnings.isEmpty)
        #expect(check(try agendaParis(agendaDay(2026, 3, 20), 9, 0), 20, absences: absences).warnings.isEmpty)
        #expect(check(try agendaParis(monday, 13, 40), 20, absences: absences).warnings == [.outsideHours])
        // The label goes into the message.
        let c = Catalog(language: .french, entries: ["booking.in_absence": "Absence : {label}."])
        #expect(BookingProblem.inAbsence(label: "Congés").message(c) == "Absence : Congés.")
    }

    @Test func aDeceasedPatientIsAWarning() throws {
        let verdict = check(try agendaParis(monday, 9, 0), 20, deceased: true)
        #expect(verdict.refusals.isEmpty)
        #expect(verdict.warnings == [.patientDeceased])
    }

    @Test func thePastIsRefusedBeyondFiveMinutes() throws {
        let now = try agendaParis(monday, 10, 0)
        #expect(check(try agendaParis(monday, 9, 0), 20, now: now).refusals == [.past])
        #expect(check(try agendaParis(monday, 9, 54), 20, now: now).refusals == [.past])
        #expect(check(try agendaParis(monday, 9, 55), 20, now: now).refusals.isEmpty)
        #expect(check(try agendaParis(monday, 10, 0), 20, now: now).refusals.isEmpty)
        #expect(check(try agendaParis(agendaDay(2026, 3, 13), 9, 0), 20, now: now).refusals == [.past])
    }

    @Test func durationsMustBeBetweenOneMinuteAndEightHours() throws {
        let nine = try agendaParis(monday, 9, 0)
        #expect(check(nine, 0).refusals == [.duration])
        #expect(check(nine, -20).refusals == [.duration])
        #expect(check(nine, 481).refusals == [.duration])
        #expect(check(nine, 10_000).refusals == [.duration])
        #expect(check(nine, 1).refusals.isEmpty)
        // Eight hours is allowed (a long home visit day), though outside hours here.
        #expect(check(nine, 480).refusals.isEmpty)
        #expect(check(nine, 480).warnings == [.outsideHours])
        let c = Catalog(language: .english, entries: ["booking.duration": "1 minute to {max} hours."])
        #expect(BookingProblem.duration.message(c) == "1 minute to 8 hours.")
    }

    @Test func refusalsAndWarningsAreSplit() throws {
        let sunday = try agendaParis(agendaDay(2026, 3, 22), 10, 0)
        let verdict = check(sunday, 20, deceased: true, now: try agendaParis(agendaDay(2026, 3, 23), 10, 0))
        #expect(verdict.refusals == [.past])
        #expect(verdict.warnings == [.outsideHours, .patientDeceased])
        for p in [BookingProblem.duration, .past, .nonexistentTime] { #expect(p.isRefusal) }
        for p in [BookingProblem.outsideHours, .inAbsence(label: "x"), .patientDeceased] { #expect(!p.isRefusal) }
    }

    @Test func everyProblemAndLabelHasCatalogueTexts() {
        let problems: [BookingProblem] = [.duration, .past, .nonexistentTime, .outsideHours, .inAbsence(label: "x"), .patientDeceased]
        let keys = problems.map(\.messageKey) + AppointmentStatus.allCases.map(\.labelKey)
            + AppointmentType.standard.map(\.labelKey)
        for language in Language.allCases {
            let entries = Catalog.loadEntries(language)
            for key in keys { #expect(entries[key] != nil, "\(language.rawValue): \(key) missing") }
        }
        #expect(Catalog.loadEntries(.french)["agenda.status.no_show"] == "Absent")
        #expect(Catalog.loadEntries(.french)["agenda.type.emergency"] == "Créneau d'urgence")
    }

    // MARK: Daylight saving

    @Test func theSkippedSpringHourDoesNotExist() throws {
        let spring = agendaDay(2026, 3, 29)
        #expect(PracticeClock.instant(spring, TimeOfDay(minutes: 2 * 60 + 30)) == nil)
        #expect(PracticeClock.instant(spring, TimeOfDay(minutes: 2 * 60)) == nil)
        #expect(PracticeClock.instant(spring, TimeOfDay(minutes: 3 * 60)) == (try agendaUTC("2026-03-29T01:00:00Z")))
        #expect(PracticeClock.instant(spring, TimeOfDay(minutes: 1 * 60 + 59)) == (try agendaUTC("2026-03-29T00:59:00Z")))
        // Booking it: refused with its own message.
        #expect(check(nil, 20).refusals == [.nonexistentTime])
        #expect(BookingProblem.nonexistentTime.messageKey == "booking.nonexistent_time")
    }

    @Test func nineOClockOnTheDaysOfChangeIsTheRightInstant() throws {
        #expect(try agendaParis(agendaDay(2026, 3, 29), 9, 0) == (try agendaUTC("2026-03-29T07:00:00Z")))
        #expect(try agendaParis(agendaDay(2026, 10, 25), 9, 0) == (try agendaUTC("2026-10-25T08:00:00Z")))
        #expect(try agendaParis(agendaDay(2026, 3, 28), 9, 0) == (try agendaUTC("2026-03-28T08:00:00Z")))
        #expect(try agendaParis(agendaDay(2026, 10, 24), 9, 0) == (try agendaUTC("2026-10-24T07:00:00Z")))
        // And back.
        let local = PracticeClock.local(try agendaUTC("2026-10-25T08:00:00Z"))
        #expect(local.date == agendaDay(2026, 10, 25))
        #expect(local.time == TimeOfDay(minutes: 9 * 60))
        // The repeated autumn hour: the first pass.
        #expect(PracticeClock.instant(agendaDay(2026, 10, 25), TimeOfDay(minutes: 2 * 60 + 30)) == (try agendaUTC("2026-10-25T00:30:00Z")))
    }

    @Test func daysOfChangeLast23And25Hours() {
        let spring = PracticeClock.dayBounds(agendaDay(2026, 3, 29))
        let autumn = PracticeClock.dayBounds(agendaDay(2026, 10, 25))
        let ordinary = PracticeClock.dayBounds(agendaDay(2026, 6, 15))
        #expect(spring.1.timeIntervalSince(spring.0) == 23 * 3600)
        #expect(autumn.1.timeIntervalSince(autumn.0) == 25 * 3600)
        #expect(ordinary.1.timeIntervalSince(ordinary.0) == 24 * 3600)
        #expect(spring.0 == (try? agendaUTC("2026-03-28T23:00:00Z")))
        #expect(autumn.1 == (try? agendaUTC("2026-10-25T23:00:00Z")))
    }

    @Test func anAppointmentAcrossTheNightOfChangeKeepsItsLength() throws {
        // A practice open at night (a duty roster): 01:30 + 60 min on the
        // spring night ends at 03:30 wall-clock time.
        var allNight = OpeningHours(days: [:])
        for d in 1...7 { allNight.days[d] = [TimeRange(TimeOfDay(minutes: 0), TimeOfDay(minutes: 3 * 60))] }
        let start = try agendaParis(agendaDay(2026, 3, 29), 1, 30)
        #expect(AgendaRules.fitsOpeningHours(start: start, minutes: 30, hours: allNight))
        #expect(!AgendaRules.fitsOpeningHours(start: start, minutes: 60, hours: allNight))
    }

    // MARK: Next free slot

    func free(from: Date, _ minutes: Int, _ appointments: [Appointment] = [], absences: [Absence] = [],
              hours: OpeningHours? = nil) -> Date? {
        AgendaRules.nextFreeSlot(from: from, minutes: minutes, hours: hours ?? self.hours, appointments: appointments,
                                 absences: absences)
    }

    /// Back-to-back appointments of `minutes` from `h:m` to `untilH:untilM`.
    func fill(_ date: CivilDate, from h: Int, _ m: Int, to untilH: Int, _ untilM: Int, minutes: Int, firstID: Int64 = 1) throws
        -> [Appointment] {
        var list: [Appointment] = []
        var t = h * 60 + m
        var id = firstID
        while t + minutes <= untilH * 60 + untilM {
            list.append(agendaAppointment(id, try agendaParis(date, t / 60, t % 60), minutes))
            t += minutes
            id += 1
        }
        return list
    }

    @Test func theFirstFreeSlotIsAtOpening() throws {
        #expect(free(from: try agendaParis(monday, 7, 0), 20) == (try agendaParis(monday, 8, 30)))
        #expect(free(from: try agendaParis(monday, 9, 0), 20) == (try agendaParis(monday, 9, 0)))
    }

    @Test func startsAreRoundedUpToFiveMinutes() throws {
        #expect(free(from: try agendaParis(monday, 9, 2), 20) == (try agendaParis(monday, 9, 5)))
        #expect(free(from: try agendaParis(monday, 9, 5).addingTimeInterval(30), 20) == (try agendaParis(monday, 9, 10)))
        #expect(free(from: try agendaParis(monday, 9, 5), 20) == (try agendaParis(monday, 9, 5)))
        // After an appointment ending off the grid.
        let odd = [agendaAppointment(1, try agendaParis(monday, 9, 0), 17)]
        #expect(free(from: try agendaParis(monday, 9, 0), 20, odd) == (try agendaParis(monday, 9, 20)))
        // Another step.
        #expect(AgendaRules.nextFreeSlot(from: try agendaParis(monday, 9, 1), minutes: 20, hours: hours, appointments: [],
                                         absences: [], step: 15) == (try agendaParis(monday, 9, 15)))
    }

    @Test func aFullMorningAndTheLunchBreakAreSkipped() throws {
        let morning = try fill(monday, from: 8, 30, to: 12, 30, minutes: 20)
        #expect(morning.count == 12)
        #expect(free(from: try agendaParis(monday, 8, 0), 20, morning) == (try agendaParis(monday, 14, 0)))
        // A gap too short is passed over; a long enough one is found.
        var gappy = morning.filter { $0.id != 5 }       // 09:50–10:10 free
        #expect(free(from: try agendaParis(monday, 8, 0), 20, gappy) == (try agendaParis(monday, 9, 50)))
        #expect(free(from: try agendaParis(monday, 8, 0), 30, gappy) == (try agendaParis(monday, 14, 0)))
        gappy = gappy.filter { $0.id != 6 }             // 09:50–10:30 free
        #expect(free(from: try agendaParis(monday, 8, 0), 30, gappy) == (try agendaParis(monday, 9, 50)))
        // Too little time before the break: 12:20 + 20 would end at 12:40.
        #expect(free(from: try agendaParis(monday, 12, 20), 20) == (try agendaParis(monday, 14, 0)))
        #expect(free(from: try agendaParis(monday, 12, 10), 20) == (try agendaParis(monday, 12, 10)))
        #expect(free(from: try agendaParis(monday, 12, 15), 30) == (try agendaParis(monday, 14, 0)))
    }

    @Test func cancelledAppointmentsDoNotBlockTheSearch() throws {
        let list = [agendaAppointment(1, try agendaParis(monday, 8, 30), 20, status: .cancelledByPatient)]
        #expect(free(from: try agendaParis(monday, 8, 0), 20, list) == (try agendaParis(monday, 8, 30)))
    }

    @Test func aClosedSundayIsSkipped() throws {
        // Saturday 2026-03-21, after closing (12:00).
        let saturday = agendaDay(2026, 3, 21)
        #expect(free(from: try agendaParis(saturday, 11, 50), 20) == (try agendaParis(agendaDay(2026, 3, 23), 8, 30)))
        #expect(free(from: try agendaParis(saturday, 11, 40), 20) == (try agendaParis(saturday, 11, 40)))
        #expect(free(from: try agendaParis(agendaDay(2026, 3, 22), 10, 0), 20) == (try agendaParis(agendaDay(2026, 3, 23), 8, 30)))
    }

    @Test func anAbsenceIsSkipped() throws {
        let holiday = Absence(id: 1, start: try agendaParis(monday, 0, 0), end: try agendaParis(agendaDay(2026, 3, 18), 12, 0), label: "Congés")
        #expect(free(from: try agendaParis(monday, 8, 0), 20, absences: [holiday]) == (try agendaParis(agendaDay(2026, 3, 18), 12, 0)))
        #expect(free(from: try agendaParis(monday, 8, 0), 40, absences: [holiday]) == (try agendaParis(agendaDay(2026, 3, 18), 14, 0)))
        let meeting = Absence(id: 2, start: try agendaParis(monday, 8, 30), end: try agendaParis(monday, 9, 12), label: "Réunion")
        #expect(free(from: try agendaParis(monday, 8, 0), 20, absences: [meeting]) == (try agendaParis(monday, 9, 15)))
    }

    @Test func theSearchCrossesTheNightsOfChange() throws {
        // Saturday after closing to Monday 08:30, each side of each change.
        #expect(free(from: try agendaParis(agendaDay(2026, 3, 28), 12, 30), 20) == (try agendaUTC("2026-03-30T06:30:00Z")))
        #expect(free(from: try agendaParis(agendaDay(2026, 10, 24), 12, 30), 20) == (try agendaUTC("2026-10-26T07:30:00Z")))
        // A practice open at night: the skipped hour is never proposed.
        var night = OpeningHours(days: [:])
        for d in 1...7 { night.days[d] = [TimeRange(TimeOfDay(minutes: 0), TimeOfDay(minutes: 6 * 60))] }
        let spring = agendaDay(2026, 3, 29)
        let duty = Absence(id: 1, start: try agendaParis(spring, 0, 0), end: try agendaUTC("2026-03-29T00:50:00Z"), label: "Garde")
        // 01:50 local (00:50Z) is free: 01:50 + 20 min is 03:10 wall-clock.
        #expect(free(from: try agendaParis(spring, 0, 0), 20, absences: [duty], hours: night) == (try agendaUTC("2026-03-29T00:50:00Z")))
        let longer = Absence(id: 2, start: try agendaParis(spring, 0, 0), end: try agendaUTC("2026-03-29T01:00:00Z"), label: "Garde")
        // Blocked until 03:00 local: the next start is 03:00, not 02:00.
        let found = try #require(free(from: try agendaParis(spring, 0, 0), 20, absences: [longer], hours: night))
        #expect(found == (try agendaUTC("2026-03-29T01:00:00Z")))
        #expect(PracticeClock.local(found).time == TimeOfDay(minutes: 3 * 60))
        // The autumn night: after 02:55 CEST comes 02:00 CET; the wall-clock
        // steps give the first pass of the repeated hour, then 03:00.
        let autumn = agendaDay(2026, 10, 25)
        let autumnDuty = Absence(id: 3, start: try agendaParis(autumn, 0, 0), end: try agendaUTC("2026-10-25T01:10:00Z"), label: "Garde")
        let afterAutumn = try #require(free(from: try agendaParis(autumn, 0, 0), 20, absences: [autumnDuty], hours: night))
        #expect(afterAutumn == (try agendaUTC("2026-10-25T02:00:00Z")))
        #expect(PracticeClock.local(afterAutumn).time == TimeOfDay(minutes: 3 * 60))
    }

    @Test func nothingFreeGivesNil() throws {
        #expect(free(from: try agendaParis(monday, 8, 0), 0) == nil)
        #expect(free(from: try agendaParis(monday, 8, 0), 20, hours: OpeningHours(days: [:])) == nil)
        let away = Absence(id: 1, start: try agendaParis(monday, 0, 0), end: try agendaParis(agendaDay(2026, 12, 31), 0, 0), label: "Congés")
        #expect(free(from: try agendaParis(monday, 8, 0), 20, absences: [away]) == nil)
    }

    @Test func aFullQuarterIsSearchedQuickly() throws {
        // About 50 appointments a day (10-minute slots, 8 h 30 a day, plus
        // Saturday morning) for 90 days (to a Saturday), then a free
        // Monday.
        var list: [Appointment] = []
        var id: Int64 = 1
        for offset in 0..<90 {
            let date = try #require(monday.adding(days: offset))
            for range in hours.ranges(on: date) {
                let filled = try fill(date, from: range.start.hour, range.start.minute, to: range.end.hour, range.end.minute,
                                      minutes: 10, firstID: id)
                id += Int64(filled.count)
                list += filled
            }
        }
        #expect(list.count > 3000)
        let clock = ContinuousClock()
        var found: Date?
        let elapsed = try clock.measure {
            found = AgendaRules.nextFreeSlot(from: try agendaParis(monday, 8, 0), minutes: 10, hours: hours, appointments: list,
                                             absences: [], searchDays: 100)
        }
        let nextMonday = try #require(monday.adding(days: 91))
        #expect(nextMonday.isoWeekday == 1)
        #expect(found == (try agendaParis(nextMonday, 8, 30)))
        #expect(elapsed < .seconds(2), "took \(elapsed)")
        // With the default 90 days, nothing.
        #expect(AgendaRules.nextFreeSlot(from: try agendaParis(monday, 8, 0), minutes: 10, hours: hours, appointments: list,
                                         absences: []) == nil)
    }

    // MARK: Lists

    @Test func aDayIsListedByStart() throws {
        let list = [
            agendaAppointment(3, try agendaParis(monday, 14, 0), 20),
            agendaAppointment(1, try agendaParis(monday, 9, 0), 20),
            agendaAppointment(2, try agendaParis(agendaDay(2026, 3, 17), 9, 0), 20),
            agendaAppointment(4, try agendaParis(monday, 0, 0), 20),
            agendaAppointment(5, try agendaParis(agendaDay(2026, 3, 15), 23, 50), 20),
        ]
        #expect(AgendaRules.day(monday, appointments: list).map(\.id) == [4, 1, 3])
        // The 23-hour day.
        let spring = agendaDay(2026, 3, 29)
        let late = [agendaAppointment(6, try agendaParis(spring, 23, 30), 20), agendaAppointment(7, try agendaUTC("2026-03-29T22:30:00Z"), 20)]
        #expect(AgendaRules.day(spring, appointments: late).map(\.id) == [6])
    }

    @Test func theWaitingRoomShowsTheLongestWaitFirst() throws {
        let now = try agendaParis(monday, 10, 0)
        let list = [
            agendaAppointment(1, try agendaParis(monday, 9, 40), 20, status: .arrived, arrivedAt: try agendaParis(monday, 9, 45)),
            agendaAppointment(2, try agendaParis(monday, 9, 20), 20, status: .arrived, arrivedAt: try agendaParis(monday, 9, 25)),
            agendaAppointment(3, try agendaParis(monday, 9, 0), 20, status: .inConsultation, arrivedAt: try agendaParis(monday, 8, 55)),
            agendaAppointment(4, try agendaParis(monday, 10, 0), 20, status: .booked),
            agendaAppointment(5, try agendaParis(monday, 10, 20), 20, status: .arrived, arrivedAt: nil),
            agendaAppointment(6, try agendaParis(agendaDay(2026, 3, 13), 9, 0), 20, status: .arrived, arrivedAt: try agendaParis(agendaDay(2026, 3, 13), 8, 50)),
        ]
        let room = AgendaRules.waiting(list, now: now)
        #expect(room.map(\.0.id) == [2, 1])
        #expect(room.map(\.waitedMinutes) == [35, 15])
    }
}
