/// What is wrong with a date typed by a user.
public enum DateProblem: String, Error, Sendable, CaseIterable, CatalogueMessage {
    /// Not one of the accepted shapes (JJ/MM/AAAA and its variants).
    case format
    /// The shape is right but the day does not exist (31/02, 29/02/2023).
    case impossible
    /// A date of birth after today.
    case future
    /// A date of birth before 1900.
    case tooOld = "too_old"

    public var messageKey: String { "date.\(rawValue)" }
}

/// Dates as French users type them.
///
/// Accepted: `dd/mm/yyyy`, `d/m/yyyy`, `dd-mm-yyyy`, `dd.mm.yyyy` (one
/// separator kind per date) and `ddmmyyyy` (eight digits). Years have four
/// digits: a two-digit year is ambiguous for a date of birth (1924 or 2024?).
/// The calendar is the Gregorian one (see `CivilDate`); "today" is always a
/// parameter.
public enum FrenchDate {
    /// The earliest date of birth accepted.
    public static let earliestBirthDate = CivilDate(unchecked: 1900, 1, 1)

    /// Reads a date; throws `.format` or `.impossible`.
    public static func parse(_ text: String) throws(DateProblem) -> CivilDate {
        let trimmed = text.trimmingWhitespace()
        guard let (d, m, y) = fields(trimmed) else { throw .format }
        guard let date = CivilDate(year: y, month: m, day: d) else { throw .impossible }
        return date
    }

    /// Reads a date of birth: a date that exists, from 1900 up to `today`.
    public static func parseBirthDate(_ text: String, today: CivilDate) throws(DateProblem) -> CivilDate {
        let date = try parse(text)
        try checkBirthDate(date, today: today)
        return date
    }

    /// The checks of a date of birth already read.
    public static func checkBirthDate(_ date: CivilDate, today: CivilDate) throws(DateProblem) {
        if date > today { throw .future }
        if date < earliestBirthDate { throw .tooOld }
    }

    /// The age from which a date of birth is asked again before it is
    /// saved: possible, rarely true (1900 typed for 2000, or a missing
    /// digit). INSEE counts about 30 000 centenarians in France; 105 is
    /// reached by very few.
    public static let unusualAge = 105

    /// Whether a date of birth already checked is unusual enough to be
    /// confirmed (an age of `unusualAge` or more today).
    public static func isUnusualBirthDate(_ date: CivilDate, today: CivilDate) -> Bool {
        date.age(on: today) >= unusualAge
    }

    /// Whether `text` has the shape of a date (valid or not): used by the
    /// search box to tell a date from a name.
    public static func looksLikeDate(_ text: String) -> Bool { fields(text) != nil }

    /// Day, month, year numbers when the shape is right (values unchecked).
    static func fields(_ text: String) -> (Int, Int, Int)? {
        let chars = Array(text)
        guard !chars.isEmpty, chars.count <= 10 else { return nil }
        if chars.count == 8, chars.allSatisfy(\.isASCIIDigit) {
            return (number(chars[0..<2]), number(chars[2..<4]), number(chars[4..<8]))
        }
        guard let separator = chars.first(where: { !$0.isASCIIDigit }),
              "/-.".contains(separator)
        else { return nil }
        let parts = chars.split(separator: separator, omittingEmptySubsequences: false)
        guard parts.count == 3,
              (1...2).contains(parts[0].count), (1...2).contains(parts[1].count), parts[2].count == 4,
              parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) })
        else { return nil }
        return (number(parts[0]), number(parts[1]), number(parts[2]))
    }

    private static func number(_ digits: ArraySlice<Character>) -> Int {
        digits.reduce(0) { $0 * 10 + Int($1.asciiValue ?? 48) - 48 }
    }
}

extension String {
    /// Without leading and trailing white space (Unicode-aware, no Foundation).
    func trimmingWhitespace() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }),
              let last = lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(self[first...last])
    }
}
