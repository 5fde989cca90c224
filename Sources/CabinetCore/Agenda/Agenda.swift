import Foundation
import Synchronization

/// The appointment book's domain: local times of the practice (Europe/Paris),
/// opening hours, appointment types, appointments and their states.
/// Appointment data is personal data, sometimes health data: kept minimal
/// (../shared/seeds/000_8e655f28ba827d0f.txt l.523-600); the reason for a
/// visit is optional and only when preparation is needed (l.585).

/// A wall-clock time of day, in minutes after midnight (0..<1440).
public struct TimeOfDay: Codable, Hashable, Comparable, Sendable {
    public let minutes: Int
    public init(minutes: Int) { self.minutes = max(0, min(minutes, 24 * 60)) }
    public init?(hour: Int, minute: Int) {
        guard (0..<24).contains(hour), (0..<60).contains(minute) else { return nil }
        minutes = hour * 60 + minute
    }
    /// "08:30", "8h30", "8:30", "0830", "8h".
    public init?(parsing text: String) {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: "h", with: ":")
        let parts = t.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 2, let h = Int(parts[0]), let m = parts[1].isEmpty ? 0 : Int(parts[1]) {
            self.init(hour: h, minute: m)
        } else if parts.count == 1, t.count == 4, let v = Int(t) {
            self.init(hour: v / 100, minute: v % 100)
        } else if parts.count == 1, let h = Int(t) {
            self.init(hour: h, minute: 0)
        } else {
            return nil
        }
    }
    public var hour: Int { minutes / 60 }
    public var minute: Int { minutes % 60 }
    /// "08:30". Built by hand: `String(format:)` costs microseconds a call on
    /// Linux, and the week view formats hundreds of times a frame.
    public var formatted: String { pad(hour, 2) + ":" + pad(minute, 2) }
    public static func < (a: TimeOfDay, b: TimeOfDay) -> Bool { a.minutes < b.minutes }
}

/// A span of wall-clock time within a day.
public struct TimeRange: Codable, Hashable, Sendable {
    public let start: TimeOfDay
    public let end: TimeOfDay
    public init(_ start: TimeOfDay, _ end: TimeOfDay) {
        self.start = start
        self.end = end
    }
    public func contains(_ from: Int, _ to: Int) -> Bool { from >= start.minutes && to <= end.minutes }
}

/// Opening hours per weekday (1 = Monday … 7 = Sunday, ISO 8601), each day a
/// list of ranges: the gaps between them are breaks.
public struct OpeningHours: Codable, Equatable, Sendable {
    public var days: [Int: [TimeRange]]
    public init(days: [Int: [TimeRange]]) { self.days = days }

    /// A usual general practice: weekdays 08:30–12:30 and 14:00–19:00,
    /// Saturday morning 09:00–12:00.
    public static let standard: OpeningHours = {
        func r(_ a: Int, _ b: Int, _ c: Int, _ d: Int) -> TimeRange {
            TimeRange(TimeOfDay(minutes: a * 60 + b), TimeOfDay(minutes: c * 60 + d))
        }
        var days: [Int: [TimeRange]] = [:]
        for d in 1...5 { days[d] = [r(8, 30, 12, 30), r(14, 0, 19, 0)] }
        days[6] = [r(9, 0, 12, 0)]
        return OpeningHours(days: days)
    }()

    public func ranges(on date: CivilDate) -> [TimeRange] { days[date.isoWeekday] ?? [] }

    /// True when [from, to) minutes of `date` lie within one opening range.
    public func isOpen(on date: CivilDate, from: Int, to: Int) -> Bool {
        ranges(on: date).contains { $0.contains(from, to) }
    }
}

/// A kind of appointment with its default length and its colour role.
public struct AppointmentType: Codable, Hashable, Sendable, Identifiable {
    public let id: String
    /// Catalogue key of its name.
    public var labelKey: String { "agenda.type.\(id)" }
    public let minutes: Int
    public init(id: String, minutes: Int) {
        self.id = id
        self.minutes = minutes
    }

    public static let standard: [AppointmentType] = [
        AppointmentType(id: "consultation", minutes: 20),
        AppointmentType(id: "first", minutes: 30),
        AppointmentType(id: "home", minutes: 45),
        AppointmentType(id: "tele", minutes: 15),
        AppointmentType(id: "emergency", minutes: 15),
    ]
}

/// Where an appointment stands. booked → arrived → in consultation → seen,
/// or no-show, or cancelled (by the patient or the practice).
public enum AppointmentStatus: String, Codable, Sendable, CaseIterable {
    case booked, arrived, inConsultation = "in_consultation", seen, noShow = "no_show"
    case cancelledByPatient = "cancelled_patient", cancelledByPractice = "cancelled_practice"

    public var isCancelled: Bool { self == .cancelledByPatient || self == .cancelledByPractice }
    /// Whether it holds its slot (a cancelled one frees it).
    public var holdsSlot: Bool { !isCancelled }
    public var labelKey: String { "agenda.status.\(rawValue)" }

    /// The next state with the one-key cycle of the front desk.
    public var next: AppointmentStatus {
        switch self {
        case .booked: return .arrived
        case .arrived: return .inConsultation
        case .inConsultation: return .seen
        case .seen: return .booked
        case .noShow: return .booked
        case .cancelledByPatient, .cancelledByPractice: return self
        }
    }
}

/// One appointment. `start` is an instant; its wall-clock time is the
/// practice's (Europe/Paris), right across daylight-saving changes.
public struct Appointment: Codable, Equatable, Sendable, Identifiable {
    public let id: Int64
    public let patientID: Int64
    public let patientName: String
    public let start: Date
    public let minutes: Int
    public let type: String
    /// Optional, short, only when preparation is needed.
    public let reason: String
    public let status: AppointmentStatus
    public let arrivedAt: Date?
    public let bookedBy: String
    public init(id: Int64, patientID: Int64, patientName: String, start: Date, minutes: Int, type: String, reason: String,
                status: AppointmentStatus, arrivedAt: Date?, bookedBy: String) {
        self.id = id
        self.patientID = patientID
        self.patientName = patientName
        self.start = start
        self.minutes = minutes
        self.type = type
        self.reason = reason
        self.status = status
        self.arrivedAt = arrivedAt
        self.bookedBy = bookedBy
    }
    public var end: Date { start.addingTimeInterval(TimeInterval(minutes * 60)) }
}

/// An absence or a holiday: no booking (a doctor may force).
public struct Absence: Codable, Equatable, Sendable, Identifiable {
    public let id: Int64
    public let start: Date
    public let end: Date
    public let label: String
    public init(id: Int64, start: Date, end: Date, label: String) {
        self.id = id
        self.start = start
        self.end = end
        self.label = label
    }
}

extension OpeningHours {
    /// One day's ranges as typed: "08:30-12:30, 14:00-19:00" (also "8h30-12h30";
    /// nothing: closed). Each range ends after it starts; ranges follow each
    /// other without overlapping.
    public static func parseDay(_ text: String) throws -> [TimeRange] {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.isEmpty { return [] }
        var ranges: [TimeRange] = []
        for r in t.split(separator: ",") {
            let ends = r.replacingOccurrences(of: "–", with: "-").split(separator: "-").map { String($0) }
            guard ends.count == 2, let a = TimeOfDay(parsing: ends[0]), let b = TimeOfDay(parsing: ends[1]), a < b else {
                throw CabinetError.usage(key: "agenda.error.hours_range")
            }
            if let last = ranges.last, last.end > a { throw CabinetError.usage(key: "agenda.error.hours_order") }
            ranges.append(TimeRange(a, b))
        }
        return ranges
    }

    /// The form `parseDay` reads: "08:30-12:30, 14:00-19:00"; "" when closed.
    public static func text(of ranges: [TimeRange]) -> String {
        ranges.map { $0.start.formatted + "-" + $0.end.formatted }.joined(separator: ", ")
    }
}

/// The practice's clock: wall-clock ↔ instants in Europe/Paris.
public enum PracticeClock {
    public static let timeZone = TimeZone(identifier: "Europe/Paris") ?? TimeZone(secondsFromGMT: 3600) ?? .current

    static let calendar: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = timeZone
        return c
    }()

    /// The instant of `time` on `date`, local time. A time that does not
    /// exist (the hour skipped in spring) gives nil; a time that happens
    /// twice (autumn) gives the first.
    public static func instant(_ date: CivilDate, _ time: TimeOfDay) -> Date? {
        var comps = DateComponents()
        comps.year = date.year
        comps.month = date.month
        comps.day = date.day
        comps.hour = time.hour
        comps.minute = time.minute
        guard let d = calendar.date(from: comps) else { return nil }
        let back = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: d)
        guard back.hour == time.hour, back.minute == time.minute, back.day == date.day else { return nil }
        return d
    }

    /// The span of time over which the zone's offset last asked holds (no
    /// transition inside): the views ask for hundreds of instants in order,
    /// and each question to the zone (ICU, under a lock) costs a microsecond.
    private static let offsetSpan = Mutex<(from: Double, to: Double, offset: Int)>((0, 0, 0))

    /// The zone's offset from UTC at `instant`, in seconds.
    static func offset(at instant: Date) -> Int {
        let t = instant.timeIntervalSince1970
        if let known = offsetSpan.withLock({ $0.from <= t && t < $0.to ? $0.offset : nil }) { return known }
        let offset = timeZone.secondsFromGMT(for: instant)
        // Valid from this instant up to the next transition (or a day on,
        // when the zone does not say).
        let next = timeZone.nextDaylightSavingTimeTransition(after: instant)?.timeIntervalSince1970 ?? t + 86_400
        offsetSpan.withLock { $0 = (t, max(next, t), offset) }
        return offset
    }

    /// The local date and time of an instant.
    public static func local(_ instant: Date) -> (date: CivilDate, time: TimeOfDay) {
        // The zone's offset at that instant, then plain arithmetic: views
        // call this for every appointment shown (Calendar is much slower).
        let seconds = Int(instant.timeIntervalSince1970.rounded(.down)) + offset(at: instant)
        let day = Int((Double(seconds) / 86_400).rounded(.down))
        let inDay = seconds - day * 86_400
        let date = CivilDate(dayNumber: day) ?? CivilDate(instant)
        return (date, TimeOfDay(minutes: inDay / 60))
    }

    /// "23/11/2026 14:05", local time (what the screens show for an instant).
    public static func stamp(_ instant: Date) -> String {
        let l = local(instant)
        return l.date.formatted + " " + l.time.formatted
    }

    /// Midnight at the start of `date` and of the next day (23, 24 or 25
    /// hours apart).
    public static func dayBounds(_ date: CivilDate) -> (Date, Date) {
        let start = calendar.startOfDay(for: instant(date, TimeOfDay(minutes: 12 * 60)) ?? Date())
        let next = (date.adding(days: 1)).flatMap { d in instant(d, TimeOfDay(minutes: 12 * 60)).map { calendar.startOfDay(for: $0) } }
        return (start, next ?? start.addingTimeInterval(86_400))
    }
}

extension CivilDate {
    /// 1 = Monday … 7 = Sunday.
    public var isoWeekday: Int {
        // dayNumber 0 is 1970-01-01, a Thursday (4).
        let d = (dayNumber % 7 + 7) % 7
        return (d + 3) % 7 + 1
    }

    /// The Monday of this date's week.
    public var monday: CivilDate { adding(days: 1 - isoWeekday) ?? self }
}
