import Foundation

/// A day of the Gregorian calendar, without time or time zone: a date of
/// birth, the day of a consultation.
///
/// Dates of birth are civil facts, not instants: storing them as `Date`
/// would move them by a day depending on the machine's zone. The stored
/// form is ISO 8601 (`1960-03-12`); the displayed form is `JJ/MM/AAAA`
/// (PRODUCT.md "Language").
public struct CivilDate: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Nil unless the day exists in the proleptic Gregorian calendar
    /// (31/02 and 29/02 of a common year do not).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              day >= 1, day <= CivilDate.daysIn(month: month, year: year)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Gregorian leap years: every 4 years, except centuries not divisible by 400.
    public static func isLeap(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public static func < (a: CivilDate, b: CivilDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    // MARK: Day numbers

    /// Days since 1970-01-01 (negative before), by H. Hinnant's
    /// `days_from_civil` algorithm: pure arithmetic, no calendar object.
    public var dayNumber: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The inverse of `dayNumber` (`civil_from_days`); nil outside years 1–9999.
    public init?(dayNumber: Int) {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        self.init(year: y, month: m, day: d)
    }

    /// This day moved by `days` (negative to go back); nil outside years 1–9999.
    public func adding(days: Int) -> CivilDate? { CivilDate(dayNumber: dayNumber + days) }

    /// Completed years of age on `date` (a birthday on 29/02 is reached on
    /// 01/03 in common years).
    public func age(on date: CivilDate) -> Int {
        var years = date.year - year
        if (date.month, date.day) < (month, day) { years -= 1 }
        return years
    }

    // MARK: Text forms

    /// `1960-03-12`, the stored form.
    public var iso: String { "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))" }

    /// `12/03/1960`, the displayed form.
    public var formatted: String { "\(pad(day, 2))/\(pad(month, 2))/\(pad(year, 4))" }

    public var description: String { iso }

    /// Reads the stored form `YYYY-MM-DD`; nil for anything else.
    public init?(iso: String) {
        // Byte by byte: a record with hundreds of entries reads as many
        // dates (splitting into substrings cost more than the decryption).
        var y = 0, m = 0, d = 0, count = 0
        for (i, c) in iso.utf8.enumerated() {
            count += 1
            if i == 4 || i == 7 {
                guard c == UInt8(ascii: "-") else { return nil }
                continue
            }
            guard c >= 48 && c <= 57, i < 10 else { return nil }
            let v = Int(c - 48)
            if i < 4 { y = y * 10 + v } else if i < 7 { m = m * 10 + v } else { d = d * 10 + v }
        }
        guard count == 10 else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let date = CivilDate(iso: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "not a YYYY-MM-DD date"))
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(iso)
    }

    // MARK: The practice's calendar

    /// The Gregorian calendar in the practice's zone, Europe/Paris: "today"
    /// changes at midnight in France whatever the machine's settings.
    public static let practiceCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Paris") ?? .gmt
        return calendar
    }()

    /// The day `instant` falls on in Europe/Paris. Callers pass the clock's
    /// reading; nothing here reads the clock.
    public init(_ instant: Date) {
        // The zone's offset at that instant, then day arithmetic (Calendar's
        // components are slow, and views ask for "today" on every row).
        let zone = CivilDate.practiceCalendar.timeZone
        let seconds = Int(instant.timeIntervalSince1970.rounded(.down)) + zone.secondsFromGMT(for: instant)
        let day = Int((Double(seconds) / 86_400).rounded(.down))
        self = CivilDate(dayNumber: day) ?? CivilDate.epoch
    }

    static let epoch = CivilDate(unchecked: 1970, 1, 1)

    /// For constants known to be valid.
    init(unchecked year: Int, _ month: Int, _ day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }
}

/// Zero-padded decimal, without Foundation's formatters.
package func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}

extension Character {
    /// 0–9 only (not Arabic-Indic or full-width digits).
    var isASCIIDigit: Bool { asciiValue.map { (48...57).contains($0) } ?? false }
}
