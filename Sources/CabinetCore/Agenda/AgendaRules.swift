import Foundation

/// What is wrong with a booking as asked. Refusals always stop it; warnings
/// stop it unless a doctor forces (issue: "warn; the doctor may force").
/// Messages never repeat the patient's name or the reason for the visit;
/// the only argument is the label of an absence (practice data).
public enum BookingProblem: CatalogueMessage, Equatable, Hashable {
    // Refusals.
    /// Zero or negative, or longer than `AgendaRules.maxMinutes`.
    case duration
    /// Starts more than `AgendaRules.pastTolerance` before now: care already
    /// given is written in the patient file, not booked in the agenda.
    case past
    /// The local time does not exist (the hour skipped in spring).
    case nonexistentTime

    // Warnings (a doctor may force).
    /// Outside opening hours: a closed day, a break, before opening or past
    /// closing (the whole appointment must fit in one opening range).
    case outsideHours
    /// Overlaps an absence or a holiday; the argument is its label.
    case inAbsence(label: String)
    /// The patient is recorded as deceased.
    case patientDeceased

    /// True for a refusal, false for a warning a doctor may force.
    public var isRefusal: Bool {
        switch self {
        case .duration, .past, .nonexistentTime: return true
        case .outsideHours, .inAbsence, .patientDeceased: return false
        }
    }

    public var messageKey: String {
        switch self {
        case .duration: return "booking.duration"
        case .past: return "booking.past"
        case .nonexistentTime: return "booking.nonexistent_time"
        case .outsideHours: return "booking.outside_hours"
        case .inAbsence: return "booking.in_absence"
        case .patientDeceased: return "booking.patient_deceased"
        }
    }

    /// The catalogue placeholders of the message.
    public var messageArgs: [String: String] {
        switch self {
        case .duration: return ["max": String(AgendaRules.maxMinutes / 60)]
        case .inAbsence(let label): return ["label": label]
        case .past, .nonexistentTime, .outsideHours, .patientDeceased: return [:]
        }
    }

    public func message(_ catalog: Catalog) -> String { catalog.text(messageKey, messageArgs) }
}

/// The appointment book's rules: checks before booking, overlaps, the next
/// free slot, a day's list and the waiting room. Pure: the caller passes
/// `now`; local times are the practice's (Europe/Paris) through
/// `PracticeClock`, right across daylight-saving changes.
public enum AgendaRules {
    /// The longest appointment, in minutes (8 hours).
    public static let maxMinutes = 8 * 60
    /// How far in the past a start may be (a booking typed a few minutes
    /// late), in seconds.
    public static let pastTolerance: TimeInterval = 5 * 60

    // MARK: Checks

    /// Checks a booking of `minutes` at `start`; `start` is nil when the
    /// local date and time asked do not exist (`PracticeClock.instant`
    /// returned nil: the hour skipped in spring).
    ///
    /// Hours and absences are checked only once the duration is valid.
    public static func check(start: Date?, minutes: Int, now: Date, hours: OpeningHours, absences: [Absence],
                             patientDeceased: Bool) -> (refusals: [BookingProblem], warnings: [BookingProblem]) {
        var refusals: [BookingProblem] = []
        var warnings: [BookingProblem] = []
        let validDuration = minutes > 0 && minutes <= maxMinutes
        if start == nil { refusals.append(.nonexistentTime) }
        if !validDuration { refusals.append(.duration) }
        if let start {
            if start < now.addingTimeInterval(-pastTolerance) { refusals.append(.past) }
            if validDuration {
                if !fitsOpeningHours(start: start, minutes: minutes, hours: hours) { warnings.append(.outsideHours) }
                let end = start.addingTimeInterval(TimeInterval(minutes * 60))
                var labels: [String] = []
                for absence in absences.sorted(by: { $0.start < $1.start })
                where absence.start < end && absence.end > start && !labels.contains(absence.label) {
                    labels.append(absence.label)
                }
                warnings += labels.map { BookingProblem.inAbsence(label: $0) }
            }
        }
        if patientDeceased { warnings.append(.patientDeceased) }
        return (refusals, warnings)
    }

    /// Whether [start, start + minutes) lies within one opening range of its
    /// local day, in wall-clock time (an appointment spanning a break or
    /// running past closing does not).
    public static func fitsOpeningHours(start: Date, minutes: Int, hours: OpeningHours) -> Bool {
        guard minutes > 0 else { return false }
        let from = PracticeClock.local(start)
        let to = PracticeClock.local(start.addingTimeInterval(TimeInterval(minutes * 60)))
        let endMinute: Int
        if to.date == from.date {
            endMinute = to.time.minutes
        } else if to.date == from.date.adding(days: 1), to.time.minutes == 0 {
            endMinute = 24 * 60
        } else {
            return false
        }
        // In the repeated autumn hour the wall-clock end may come before the
        // start: both ends must still be inside the range.
        return hours.isOpen(on: from.date, from: min(from.time.minutes, endMinute), to: max(from.time.minutes, endMinute))
    }

    // MARK: Overlaps

    /// The appointment that holds its slot and overlaps [start, start +
    /// minutes), the earliest if several; `excluding` is the one being moved.
    /// Touching ends do not overlap; cancelled appointments free their slot.
    public static func conflict(start: Date, minutes: Int, among appointments: [Appointment], excluding: Int64?) -> Appointment? {
        let end = start.addingTimeInterval(TimeInterval(max(minutes, 0) * 60))
        return appointments
            .filter { $0.status.holdsSlot && $0.id != excluding && $0.start < end && $0.end > start }
            .min { ($0.start, $0.id) < ($1.start, $1.id) }
    }

    // MARK: Next free slot

    /// The first start ≥ `from`, on a multiple of `step` minutes of local
    /// time, where `minutes` fit within one opening range without
    /// overlapping an appointment that holds its slot or an absence. Looks
    /// `searchDays` local days ahead (the day of `from` included); closed
    /// days are skipped, local times that do not exist (spring) too. Nil if
    /// nothing is free or `minutes` is not a valid duration.
    public static func nextFreeSlot(from: Date, minutes: Int, hours: OpeningHours, appointments: [Appointment],
                                    absences: [Absence], step: Int = 5, searchDays: Int = 90) -> Date? {
        guard minutes > 0, minutes <= maxMinutes, searchDays > 0 else { return nil }
        let step = max(step, 1)
        let length = TimeInterval(minutes * 60)
        // Everything that blocks, sorted by start.
        let blockers: [(start: Date, end: Date)] = (
            appointments.filter { $0.status.holdsSlot && $0.minutes > 0 }.map { ($0.start, $0.end) }
                + absences.filter { $0.end > $0.start }.map { ($0.start, $0.end) }
        ).filter { $0.end > from }.sorted { $0.start < $1.start }
        let origin = PracticeClock.local(from)

        for offset in 0..<searchDays {
            guard let date = origin.date.adding(days: offset) else { return nil }
            let ranges = hours.ranges(on: date).filter { $0.end > $0.start }.sorted { $0.start < $1.start }
            if ranges.isEmpty { continue }
            let (dayStart, dayEnd) = PracticeClock.dayBounds(date)
            let today = blockers.filter { $0.start < dayEnd && $0.end > dayStart }

            for range in ranges {
                let rangeStart = range.start.minutes, rangeEnd = range.end.minutes
                // Where wall-clock and elapsed time agree over the whole
                // range (every day but the two nights of change, when
                // ranges cross them), candidates are simple arithmetic.
                let base = instant(date, rangeStart, dayEnd: dayEnd)
                let linear: Date? = base.flatMap { b in
                    instant(date, rangeEnd, dayEnd: dayEnd).flatMap { e in
                        e.timeIntervalSince(b) == TimeInterval((rangeEnd - rangeStart) * 60) ? b : nil
                    }
                }
                var m = roundUp(rangeStart, step)
                if offset == 0 { m = max(m, roundUp(origin.time.minutes, step)) }

                while m < rangeEnd {
                    let candidate: Date
                    if let linear {
                        guard m + minutes <= rangeEnd else { break }
                        candidate = linear.addingTimeInterval(TimeInterval((m - rangeStart) * 60))
                    } else {
                        guard let c = instant(date, m, dayEnd: dayEnd),
                              fitsOpeningHours(start: c, minutes: minutes, hours: hours) else {
                            m += step
                            continue
                        }
                        candidate = c
                    }
                    if candidate < from {
                        m += step
                        continue
                    }
                    let end = candidate.addingTimeInterval(length)
                    guard let blocker = today.first(where: { $0.start < end && $0.end > candidate }) else {
                        return candidate
                    }
                    // Jump past the blocker, to the next step of local time.
                    let after: Int
                    if blocker.end >= dayEnd {
                        after = 24 * 60
                    } else if let linear {
                        let seconds = blocker.end.timeIntervalSince(linear)
                        after = rangeStart + Int((seconds / 60).rounded(.up))
                    } else {
                        let local = PracticeClock.local(blocker.end)
                        after = local.date == date ? local.time.minutes : 24 * 60
                    }
                    m = max(m + step, roundUp(after, step))
                }
            }
        }
        return nil
    }

    /// The instant of `minute` of local `date`; minute 1440 is the next
    /// midnight. Nil for a time that does not exist.
    static func instant(_ date: CivilDate, _ minute: Int, dayEnd: Date) -> Date? {
        minute >= 24 * 60 ? dayEnd : PracticeClock.instant(date, TimeOfDay(minutes: minute))
    }

    static func roundUp(_ value: Int, _ step: Int) -> Int { (value + step - 1) / step * step }

    // MARK: Lists

    /// The appointments of local `date`, by start (then id).
    public static func day(_ date: CivilDate, appointments: [Appointment]) -> [Appointment] {
        let (dayStart, dayEnd) = PracticeClock.dayBounds(date)
        return appointments
            .filter { $0.start >= dayStart && $0.start < dayEnd }
            .sorted { ($0.start, $0.id) < ($1.start, $1.id) }
    }

    /// The waiting room: today's appointments whose patient has arrived and
    /// is not yet in consultation, with how long they have waited, longest
    /// wait first.
    public static func waiting(_ appointments: [Appointment], now: Date) -> [(Appointment, waitedMinutes: Int)] {
        let (dayStart, dayEnd) = PracticeClock.dayBounds(PracticeClock.local(now).date)
        return appointments
            .compactMap { a -> (Appointment, waitedMinutes: Int)? in
                guard a.status == .arrived, let arrived = a.arrivedAt, arrived >= dayStart, arrived < dayEnd else { return nil }
                return (a, waitedMinutes: max(0, Int(now.timeIntervalSince(arrived) / 60)))
            }
            .sorted { l, r in
                l.waitedMinutes != r.waitedMinutes ? l.waitedMinutes > r.waitedMinutes : (l.0.start, l.0.id) < (r.0.start, r.0.id)
            }
    }
}
