import Foundation

/// What a passphrase is missing under the practice's policy.
public enum PassphraseProblem: String, Equatable, Sendable, CaseIterable {
    case tooShort
    case noLowercase
    case noUppercase
    case noDigit
    case noSymbol
    case tooCommon

    public var messageKey: String { "policy.\(rawValue)" }
}

/// The passphrase policy (PRODUCT.md "Access and authentication").
///
/// At least 12 characters mixing upper case, lower case, digits and symbols
/// (../shared/seeds/000_8e655f28ba827d0f.txt l.822), or an equivalent-strength
/// passphrase: 20 characters or more with at least four words. Common
/// passwords are refused whatever their shape.
public struct PassphrasePolicy: Sendable {
    public static let minimumLength = 12
    public static let passphraseLength = 20

    public init() {}

    public func problems(_ candidate: String) -> [PassphraseProblem] {
        let lowered = candidate.lowercased()
        var result: [PassphraseProblem] = []
        if Self.common.contains(lowered) { result.append(.tooCommon) }
        let words = candidate.split(whereSeparator: { $0 == " " || $0 == "-" }).filter { $0.count >= 3 }
        if candidate.count >= Self.passphraseLength && words.count >= 4 {
            return result
        }
        if candidate.count < Self.minimumLength { result.append(.tooShort) }
        if !candidate.contains(where: { $0.isLowercase }) { result.append(.noLowercase) }
        if !candidate.contains(where: { $0.isUppercase }) { result.append(.noUppercase) }
        if !candidate.contains(where: { $0.isNumber }) { result.append(.noDigit) }
        if !candidate.contains(where: { !$0.isLetter && !$0.isNumber && !$0.isWhitespace }) {
            result.append(.noSymbol)
        }
        return result
    }

    /// A short built-in list; the accounts issue replaces it with a shipped resource.
    static let common: Set<String> = [
        "motdepasse123!", "Motdepasse123!".lowercased(), "azerty123456!", "password123!",
        "p@ssw0rd1234", "administrateur1!", "bonjour123456!", "medecin123456!",
        "cabinet123456!", "soleil123456!",
    ]
}
