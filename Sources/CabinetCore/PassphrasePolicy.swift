import CabinetResources
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
        var result: [PassphraseProblem] = []
        if Self.isCommon(candidate) { result.append(.tooCommon) }
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

    /// Common as a whole, or by its letters alone ("Motdepasse2026!" is
    /// "motdepasse"), accents and case ignored.
    static func isCommon(_ candidate: String) -> Bool {
        let whole = fold(candidate)
        let letters = fold(String(candidate.filter { $0.isLetter }))
        return common.contains(whole) || (!letters.isEmpty && common.contains(letters))
    }

    static func fold(_ s: String) -> String {
        s.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: Locale(identifier: "fr_FR")).lowercased()
    }

    /// The list shipped in `Resources/passwords/common.txt`, with a few
    /// entries built in should the resource be missing.
    static let common: Set<String> = {
        var set: Set<String> = ["motdepasse", "azerty", "password", "123456", "medecin", "cabinet", "docteur"]
        if let url = CabinetResources.commonPasswordsFile(),
           let text = try? String(contentsOf: url, encoding: .utf8) {
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                let w = fold(line.trimmingCharacters(in: .whitespaces))
                if !w.isEmpty { set.insert(w) }
            }
        }
        return set
    }()
}
