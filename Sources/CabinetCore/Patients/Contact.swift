/// What is wrong with a phone number as typed.
public enum PhoneProblem: String, Error, Sendable, CaseIterable, CatalogueMessage {
    /// Letters or symbols other than spaces, dots, hyphens, parentheses and a leading +.
    case characters
    /// Neither 10 digits starting with 0, nor + and an international number.
    case format

    public var messageKey: String { "phone.\(rawValue)" }
}

/// A phone number, lightly checked: a French number (`0X XX XX XX XX`,
/// `+33 X XX XX XX XX`, `0033…`, `+33 (0)X…`) or an international one
/// (`+` then 7 to 15 digits, E.164's limit). No check that the number is
/// attributed: the patient knows their number better than any table.
public struct PhoneNumber: Sendable, Hashable, CustomStringConvertible {
    /// The stored form: `0612345678` for French numbers (a French number
    /// given as +33 is stored nationally), `+441632960000` otherwise.
    public let value: String

    public init(_ input: String) throws(PhoneProblem) {
        var digits = ""
        var plus = false
        var sawDigit = false
        var rest = Substring(input.trimmingWhitespace())
        // "+33 (0)6 …": the national 0 written after the country code.
        if let range = rest.firstRange(of: "(0)") { rest.removeSubrange(range) }
        for c in rest {
            if c.isASCIIDigit {
                digits.append(c)
                sawDigit = true
            } else if c == "+" && !sawDigit && !plus {
                plus = true
            } else if c == " " || c == "." || c == "-" || c == "(" || c == ")" || c == "\u{00A0}" || c == "\u{202F}" {
                continue
            } else {
                throw .characters
            }
        }
        if !plus && digits.hasPrefix("00") {
            plus = true
            digits.removeFirst(2)
        }
        if plus {
            if digits.hasPrefix("33") {
                // France: nine digits after the country code, the first not 0.
                guard digits.count == 11, digits.dropFirst(2).first != "0" else { throw .format }
                value = "0" + digits.dropFirst(2)
                return
            }
            guard (7...15).contains(digits.count), digits.first != "0" else { throw .format }
            value = "+" + digits
        } else {
            guard digits.count == 10, digits.first == "0", digits.dropFirst().first != "0"
            else { throw .format }
            value = digits
        }
    }

    public static func problem(in input: String) -> PhoneProblem? {
        do throws(PhoneProblem) {
            _ = try PhoneNumber(input)
            return nil
        } catch {
            return error
        }
    }

    public var isFrench: Bool { !value.hasPrefix("+") }

    /// Mobile numbers in metropolitan France: 06 and 07.
    public var isFrenchMobile: Bool { value.hasPrefix("06") || value.hasPrefix("07") }

    /// `06 12 34 56 78` for French numbers; international numbers as stored.
    public var formatted: String {
        guard isFrench else { return value }
        let c = Array(value)
        return stride(from: 0, to: 10, by: 2).map { String(c[$0..<$0 + 2]) }.joined(separator: " ")
    }

    public var description: String { formatted }
}

/// What is wrong with an e-mail address as typed.
public enum EmailProblem: String, Error, Sendable, CaseIterable, CatalogueMessage {
    /// Not exactly one @.
    case at
    /// The part before the @ is empty or longer than 64 characters.
    case local
    /// The domain has no dot, or an empty label (`example..org`, `.org`).
    case domain
    /// Spaces or control characters.
    case characters
    /// Longer than 254 characters.
    case length

    public var messageKey: String { "email.\(rawValue)" }
}

/// An e-mail address, lightly checked: one @, something before it, a domain
/// with a dot and no empty label, no spaces, at most 254 characters
/// (RFC 5321's path limit). Deliverability is not this code's business.
public struct EmailAddress: Sendable, Hashable, CustomStringConvertible {
    /// As typed, trimmed, with the domain in lower case.
    public let value: String

    public init(_ input: String) throws(EmailProblem) {
        let trimmed = input.trimmingWhitespace()
        if trimmed.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) {
            throw .characters
        }
        guard trimmed.count <= 254 else { throw .length }
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw .at }
        let local = parts[0], domain = parts[1]
        guard !local.isEmpty, local.count <= 64 else { throw .local }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty }) else { throw .domain }
        value = String(local) + "@" + domain.lowercased()
    }

    public static func problem(in input: String) -> EmailProblem? {
        do throws(EmailProblem) {
            _ = try EmailAddress(input)
            return nil
        } catch {
            return error
        }
    }

    public var description: String { value }
}
