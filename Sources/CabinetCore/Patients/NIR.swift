/// What is wrong with a social security number (NIR) as typed.
///
/// The messages never repeat the number (002 §5 c, l.96: the NIR is
/// collected for billing only; it must not leak into logs or screenshots).
public enum NIRProblem: String, Error, Sendable, CaseIterable, CatalogueMessage {
    /// Not 15 characters once spaces are removed.
    case length
    /// Something other than digits, or 2A/2B elsewhere than the department.
    case characters
    /// The first digit is not 1, 2, 3, 4, 7 or 8.
    case sex
    /// The month is not 01–12, 20–42 or 50–99.
    case month
    /// The department is 00, or an overseas code that does not exist.
    case department
    /// The commune (or country) code is 000 (00 overseas).
    case commune
    /// The order number is 000.
    case order
    /// The control key does not match the first 13 characters.
    case key

    public var messageKey: String { "nir.\(rawValue)" }
}

/// A difference between a valid NIR and the identity it is entered for.
/// A warning, not an error: the identity or the number may be the one to
/// correct, and some real cases differ (a NIR attributed under a
/// pseudo-month, a change of sex in the civil status).
public enum NIRWarning: String, Sendable, CaseIterable, CatalogueMessage {
    case sexMismatch = "sex"
    case yearMismatch = "year"
    case monthMismatch = "month"

    public var messageKey: String { "nir.warning.\(rawValue)" }
}

/// A French social security number ("numéro d'inscription au répertoire",
/// NIR), checked.
///
/// Layout (15 characters; spaces are ignored when typed):
///
///     S AA MM DD CCC OOO KK      e.g. 1 84 12 76 451 089 46
///
/// - `S`, sex: 1 man, 2 woman; 3 and 4 for a person born abroad whose
///   registration is in progress (man, woman); 7 and 8 for a temporary
///   number ("numéro identifiant d'attente", NIA) given by the social
///   security bodies until the person is certified (man, woman). The NIA is
///   built like a NIR.
/// - `AA`, the last two digits of the year of birth.
/// - `MM`, the month of birth 01–12; when the civil-status document gives
///   no month, a pseudo-month: 20 to 30 or 50 to 99 ("fictitious"); 31 to
///   42 is the real month plus 30 ("pseudo-fictitious", the month is known).
/// - `DD CCC`, the place of birth: department 01–95, 2A/2B for Corsica
///   (20 for births there before the 1976 split), then the INSEE commune
///   code; overseas, a three-digit department 971–978 or 984–989 and a
///   two-digit commune; 99 and the INSEE country code for births abroad;
///   91–96 may also be found for births in Algeria, Morocco and Tunisia
///   before independence.
/// - `OOO`, the order number of the birth certificate in the commune and
///   month (001–999).
/// - `KK`, the control key: 97 − (the 13-digit number mod 97), where 2A is
///   read as 19 and 2B as 18.
///
/// Sources: service-public.fr F33078 "Que signifie le numéro de sécurité
/// sociale ?" (sex 1/2, place of birth, 99 abroad, 91–96 North Africa);
/// fr.wikipedia.org "Numéro de sécurité sociale en France", § Signification
/// des chiffres du NIR (sex 3/4/7/8, pseudo-months 20–42 and 50–99,
/// 31–42 = month + 30, Corsica 19/18 in the key); the same ranges are used
/// by the French administration's own validator in gip-inclusion's
/// "les emplois" (sex `[1-478]`, month `0[1-9]|1[0-2]|[2-3]\d|4[0-2]|[5-9]\d`).
public struct NIR: Sendable, Hashable, CustomStringConvertible {
    /// The 15 characters, upper case, without spaces (`2A`/`2B` kept).
    public let value: String

    /// Checks `input` (spaces of any kind ignored, `2a` read as `2A`).
    public init(_ input: String) throws(NIRProblem) {
        let chars = NIR.compact(input)
        if let problem = NIR.problem(compact: chars) { throw problem }
        value = String(chars)
    }

    /// The first problem found in `input`, nil for a valid number.
    public static func problem(in input: String) -> NIRProblem? {
        problem(compact: compact(input))
    }

    /// The control key of the first 13 characters (digits, with 2A or 2B as
    /// the department), 1–97; nil when they are not 13 such characters.
    public static func key(for first13: String) -> Int? {
        let chars = compact(first13)
        guard chars.count == 13 else { return nil }
        return key(of: chars[0..<13])
    }

    // MARK: Parts

    private var chars: [Character] { Array(value) }

    /// 1, 2, 3, 4, 7 or 8.
    public var sexDigit: Int { digit(at: 0) }

    /// The sex the number encodes: odd digits men, even digits women.
    public var sex: Sex { sexDigit % 2 == 1 ? .male : .female }

    /// Whether the number is temporary (3, 4: registration in progress;
    /// 7, 8: NIA).
    public var isTemporary: Bool { sexDigit >= 3 }

    /// The two digits of the year, 0–99.
    public var yearDigits: Int { digit(at: 1) * 10 + digit(at: 2) }

    /// The month code as written, 1–12, 20–42 or 50–99.
    public var monthCode: Int { digit(at: 3) * 10 + digit(at: 4) }

    /// The month of birth when the number tells it (01–12, or 31–42 minus 30).
    public var birthMonth: Int? {
        switch monthCode {
        case 1...12: return monthCode
        case 31...42: return monthCode - 30
        default: return nil
        }
    }

    /// `75`, `2A`, or `971` overseas.
    public var department: String {
        String(chars[5..<(NIR.isOverseas(chars) ? 8 : 7)])
    }

    /// The commune (or, after 99, country) code: three digits, two overseas.
    public var commune: String {
        String(chars[(NIR.isOverseas(chars) ? 8 : 7)..<10])
    }

    /// The order number, three digits.
    public var order: String { String(chars[10..<13]) }

    /// The control key, 1–97.
    public var key: Int { digit(at: 13) * 10 + digit(at: 14) }

    /// Grouped for reading: `1 84 12 76 451 089 46`.
    public var formatted: String { NIR.formatted(chars) }

    /// Only the sex digit and the key shown (`1 •• •• •• ••• ••• 46`), for
    /// lists where the whole number is not needed.
    public var masked: String {
        var c = chars
        for i in 1..<13 { c[i] = "•" }
        return NIR.formatted(c)
    }

    public var description: String { formatted }

    // MARK: Consistency with the identity

    /// Differences between the number and the identity's sex and date of
    /// birth. The sex is not compared when indeterminate; the month only
    /// when the number carries one.
    public func warnings(sex: Sex?, birthDate: CivilDate?) -> [NIRWarning] {
        var result: [NIRWarning] = []
        if let sex, sex != .indeterminate, sex != self.sex { result.append(.sexMismatch) }
        if let birthDate {
            if birthDate.year % 100 != yearDigits { result.append(.yearMismatch) }
            if let month = birthMonth, month != birthDate.month { result.append(.monthMismatch) }
        }
        return result
    }

    // MARK: Implementation

    private func digit(at i: Int) -> Int { NIR.digitValue(chars[i]) }

    static func digitValue(_ c: Character) -> Int { Int(c.asciiValue ?? 48) - 48 }

    /// Input without white space, `a`/`b` upper-cased.
    static func compact(_ input: String) -> [Character] {
        var out: [Character] = []
        out.reserveCapacity(15)
        for scalar in input.unicodeScalars {
            switch scalar.value {
            case 0x20, 0x09...0x0D: continue
            case 0x61: out.append("A")
            case 0x62: out.append("B")
            case 0x21..<0x80: out.append(Character(scalar))
            default:
                // Non-ASCII: spaces (no-break, thin…) ignored, anything else
                // kept to be reported as a wrong character.
                if !scalar.properties.isWhitespace { out.append(Character(scalar)) }
            }
        }
        return out
    }

    static func isOverseas(_ c: [Character]) -> Bool { c[5] == "9" && (c[6] == "7" || c[6] == "8") }

    static func formatted(_ c: [Character]) -> String {
        guard c.count == 15 else { return String(c) }
        let groups = [0..<1, 1..<3, 3..<5, 5..<7, 7..<10, 10..<13, 13..<15]
        return groups.map { String(c[$0]) }.joined(separator: " ")
    }

    /// 97 − (number mod 97), Corsica's 2A/2B read as 19/18.
    static func key(of first13: ArraySlice<Character>) -> Int? {
        let c = Array(first13)
        guard c.count == 13 else { return nil }
        let corsica = c[5] == "2" && (c[6] == "A" || c[6] == "B")
        var number = 0 // 13 digits: well within Int64
        for i in 0..<13 {
            let d: Int
            if corsica && i == 5 {
                d = 1
            } else if corsica && i == 6 {
                d = c[6] == "A" ? 9 : 8
            } else if c[i].isASCIIDigit {
                d = digitValue(c[i])
            } else {
                return nil
            }
            number = number * 10 + d
        }
        return 97 - number % 97
    }

    static func problem(compact c: [Character]) -> NIRProblem? {
        if c.contains(where: { !$0.isASCIIDigit && $0 != "A" && $0 != "B" }) { return .characters }
        guard c.count == 15 else { return .length }
        for (i, ch) in c.enumerated() where !ch.isASCIIDigit {
            // Letters only as the Corsican department.
            if i != 6 || c[5] != "2" { return .characters }
        }
        guard [1, 2, 3, 4, 7, 8].contains(digitValue(c[0])) else { return .sex }
        let month = digitValue(c[3]) * 10 + digitValue(c[4])
        guard (1...12).contains(month) || (20...42).contains(month) || (50...99).contains(month)
        else { return .month }
        let overseas = isOverseas(c)
        if c[5] == "0" && c[6] == "0" { return .department }
        if overseas {
            let third = digitValue(c[7])
            let known = c[6] == "7" ? (1...8).contains(third) : (4...9).contains(third)
            guard known else { return .department }
            if c[8] == "0" && c[9] == "0" { return .commune }
        } else if c[7] == "0" && c[8] == "0" && c[9] == "0" {
            return .commune
        }
        if c[10] == "0" && c[11] == "0" && c[12] == "0" { return .order }
        guard c[13].isASCIIDigit, c[14].isASCIIDigit,
              let expected = key(of: c[0..<13]),
              digitValue(c[13]) * 10 + digitValue(c[14]) == expected
        else { return .key }
        return nil
    }
}

extension NIR {
    /// For numbers built by construction (the demo generator, CabinetDemo).
    package init(trusted value: String) { self.value = value }
}
