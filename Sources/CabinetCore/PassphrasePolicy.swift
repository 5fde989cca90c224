import CabinetResources
import Foundation
import PassphraseStrength

/// What a passphrase is missing under the practice's policy, or why it is
/// too easy to guess.
public enum PassphraseProblem: String, Equatable, Sendable, CaseIterable {
    case tooShort
    case noLowercase
    case noUppercase
    case noDigit
    case noSymbol
    case tooCommon
    // Why the strength estimate is too low (only reported once the shape
    // above is met): what makes it predictable.
    case repetition
    case personalWord
    case commonWords
    case keyboardSequence
    case sequence
    case date
    case tooPredictable

    public var messageKey: String { "policy.\(rawValue)" }

    /// A reason from the strength estimate rather than a missing ingredient.
    public var isGuessability: Bool {
        switch self {
        case .tooShort, .noLowercase, .noUppercase, .noDigit, .noSymbol, .tooCommon: false
        default: true
        }
    }
}

/// The passphrase policy (PRODUCT.md "Access and authentication").
///
/// At least 12 characters mixing upper case, lower case, digits and symbols
/// (../shared/seeds/000_8e655f28ba827d0f.txt l.822), or an equivalent-strength
/// passphrase: 20 characters or more with at least four words. Common
/// passwords are refused whatever their shape.
///
/// On top of the shape, the passphrase's strength is estimated as KeePassXC
/// does, with zxcvbn (`PassphraseStrength`): `aaa aaa aaa aaa aaaaa`,
/// `cabinet cabinet cabinet cabinet` or `Aaaaaaaaaa1!` have the shape and
/// are guessed in a few thousand tries. Words an attacker would try first
/// for this person (login, names, the practice's name, and the trade's own
/// words below) are zxcvbn's user dictionary.
public struct PassphrasePolicy: Sendable {
    public static let minimumLength = 12
    public static let passphraseLength = 20

    /// The estimate a passphrase must reach, in bits (log2 of the guesses).
    ///
    /// Why 50: in the shared set-up the front desk's Unix account can read
    /// the vault file, so an offline guess against the doctor's slot is the
    /// attack that matters, and each guess costs Argon2id MODERATE (256 MiB),
    /// about 0.5 s on one core. 2^50 guesses is about 18 million core-years;
    /// a thousand cores still need on average about 9 000 years. The margin
    /// is deliberate: zxcvbn's dictionaries are English, so it overrates
    /// French words (four random French words from a 7 776-word list are
    /// ~52 bits, which zxcvbn scores near 80), and underrating is the
    /// failure we cannot see. Measured (libzxcvbn 2.5): the three examples
    /// above score 31, 27 and 17; `Tres-Bon-Motdepasse-42` 90; a generated
    /// one-time passphrase well above 90.
    public static let minimumBits = 50.0

    /// The trade's words, always in the user dictionary (folded).
    static let tradeWords = ["cabinet", "medecin", "medical", "medicale", "docteur", "sante", "patient",
                             "secretaire", "accueil", "remplacant", "consultation", "ordonnance", "cabinetmedical"]

    /// Words tied to this person or practice (login, names), beyond the
    /// trade's own.
    public let userWords: [String]

    /// `userWords`: anything an attacker knows about the account: its
    /// login, the person's name, the practice's name. Split into words and
    /// folded here.
    public init(userWords: [String] = []) {
        var words = Self.tradeWords
        for phrase in userWords {
            let folded = Self.fold(phrase)
            if folded.count >= 3 { words.append(folded) }
            for w in folded.split(whereSeparator: { !$0.isLetter && !$0.isNumber }) where w.count >= 3 {
                words.append(String(w))
            }
        }
        var seen = Set<String>()
        self.userWords = words.filter { seen.insert($0).inserted }
    }

    /// The policy for an account: its login and the practice doctor's name
    /// are the words checked on top of the trade's. The store and the
    /// interface's live feedback both build it this way, so what the
    /// feedback accepts the store accepts.
    public static func forAccount(login: String, doctorName: String?) -> PassphrasePolicy {
        PassphrasePolicy(userWords: [login] + (doctorName.map { [$0] } ?? []))
    }

    public func problems(_ candidate: String) -> [PassphraseProblem] {
        var result: [PassphraseProblem] = []
        if Self.isCommon(candidate) { result.append(.tooCommon) }
        let words = candidate.split(whereSeparator: { $0 == " " || $0 == "-" }).filter { $0.count >= 3 }
        let shaped = candidate.count >= Self.passphraseLength && words.count >= 4
        if !shaped {
            if candidate.count < Self.minimumLength { result.append(.tooShort) }
            if !candidate.contains(where: { $0.isLowercase }) { result.append(.noLowercase) }
            if !candidate.contains(where: { $0.isUppercase }) { result.append(.noUppercase) }
            if !candidate.contains(where: { $0.isNumber }) { result.append(.noDigit) }
            if !candidate.contains(where: { !$0.isLetter && !$0.isNumber && !$0.isWhitespace }) {
                result.append(.noSymbol)
            }
        }
        // The estimate only once the rest is met: one kind of advice at a time.
        if result.isEmpty { result = guessability(candidate) }
        return result
    }

    /// Why `candidate` is too easy to guess, or nothing when its estimate
    /// reaches `minimumBits`.
    func guessability(_ candidate: String) -> [PassphraseProblem] {
        // Accents removed (case kept): "Médecin" is the user word "medecin".
        let plain = candidate.folding(options: .diacriticInsensitive, locale: Locale(identifier: "fr_FR"))
        var estimate = StrengthEstimate.estimate(plain, userWords: userWords)
        var reasons: [PassphraseProblem] = []
        func add(_ p: PassphraseProblem) { if !reasons.contains(p) { reasons.append(p) } }
        // The same word twice: zxcvbn prices a repeated run generously
        // ("neuf2 neuf2 neuf2 neuf2 neuf2" scores 52 bits, with "neuf" a
        // user word), and flags no repeat of a user word. A word said again
        // adds next to nothing, so the passphrase is judged by its distinct
        // words alone.
        let tokens = Self.fold(plain).split(whereSeparator: { !$0.isLetter && !$0.isNumber })
            .map(String.init).filter { $0.count >= 3 }
        var seen = Set<String>()
        let distinct = tokens.filter { seen.insert($0).inserted }
        if distinct.count < tokens.count {
            let alone = StrengthEstimate.estimate(distinct.joined(separator: " "), userWords: userWords)
            if alone.bits < estimate.bits { estimate = alone }
            if estimate.bits < Self.minimumBits { add(.repetition) }
        }
        if estimate.bits >= Self.minimumBits { return [] }
        for part in estimate.parts {
            // A part costs little per character: that is what gives it away.
            let cheap = part.length >= 3 && part.bits / Double(part.length) < 2.5
            if part.kind == .userWord { add(.personalWord); continue }
            guard cheap else { continue }
            if part.repeatsEarlierPart || part.kind == .repeated { add(.repetition); continue }
            switch part.kind {
            case .dictionary: add(.commonWords)
            case .keyboard: add(.keyboardSequence)
            case .sequence: add(.sequence)
            case .date: add(.date)
            default: break
            }
        }
        if reasons.isEmpty { reasons.append(.tooPredictable) }
        return reasons
    }

    /// The problems as one line for a person: what is missing, or why it is
    /// easy to guess and how to do better.
    public static func feedback(_ problems: [PassphraseProblem], _ c: Catalog) -> String {
        let list = problems.map { c.text($0.messageKey) }.joined(separator: ", ")
        if problems.contains(where: { $0.isGuessability }) {
            return c.text("policy.guessable", ["list": list]) + " " + c.text("policy.advice")
        }
        return c.text("change.missing", ["list": list])
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
