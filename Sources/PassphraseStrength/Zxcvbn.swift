import CZxcvbn
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A passphrase's strength as zxcvbn estimates it (the C port Debian ships
/// as libzxcvbn, the one KeePassXC uses).
///
/// This small module keeps the C pointers away from the domain
/// (ARCHITECTURE.md: the domain never sees a C pointer), as `QRCode` does for
/// libqrencode: `CabinetCore`'s passphrase policy gets Swift values only.
public struct StrengthEstimate: Sendable, Equatable {
    /// What zxcvbn recognised in a part of the passphrase.
    public enum Kind: Sendable, Equatable {
        case bruteForce, dictionary, userWord, repeated, sequence, keyboard, date, other
    }

    /// One part of the passphrase: `length` bytes of its UTF-8 from `begin`,
    /// which an attacker following zxcvbn's model guesses in about 2^`bits`.
    public struct Part: Sendable, Equatable {
        public let kind: Kind
        /// The part is a repetition of an earlier one (zxcvbn's MULTIPLE flag).
        public let repeatsEarlierPart: Bool
        public let begin: Int
        public let length: Int
        public let bits: Double
    }

    /// log2 of the estimated number of guesses for the whole passphrase.
    public let bits: Double
    public let parts: [Part]

    /// Estimates `passphrase`; `userWords` are words an attacker would try
    /// first for this person (login, names, the practice): zxcvbn's user
    /// dictionary. A passphrase containing a NUL byte is estimated up to it,
    /// as C sees it.
    public static func estimate(_ passphrase: String, userWords: [String] = []) -> StrengthEstimate {
        // libzxcvbn is not documented as reentrant: one estimate at a time
        // in the process (two front ends' threads, parallel tests).
        serial.withLock { _ in unserialisedEstimate(passphrase, userWords: userWords) }
    }

    private static let serial = Mutex(())

    private static func unserialisedEstimate(_ passphrase: String, userWords: [String]) -> StrengthEstimate {
        let words = userWords.filter { !$0.isEmpty && !$0.utf8.contains(0) }
        var cWords: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) }
        defer { for w in cWords { free(w) } }
        cWords.append(nil)
        var info: UnsafeMutablePointer<ZxcMatch_t>?
        let bits = cWords.withUnsafeMutableBufferPointer { buffer -> Double in
            buffer.withMemoryRebound(to: UnsafePointer<CChar>?.self) { dict in
                ZxcvbnMatch(passphrase, dict.baseAddress, &info)
            }
        }
        defer { ZxcvbnFreeInfo(info) }
        var parts: [Part] = []
        var next = info
        while let m = next {
            let raw = m.pointee.Type.rawValue
            let repeated = raw & MULTIPLE_MATCH.rawValue != 0
            let kind: Kind
            switch ZxcTypeMatch_t(rawValue: raw & ~MULTIPLE_MATCH.rawValue) {
            case BRUTE_MATCH, LONG_PWD_MATCH: kind = .bruteForce
            case DICTIONARY_MATCH, DICT_LEET_MATCH: kind = .dictionary
            case USER_MATCH, USER_LEET_MATCH: kind = .userWord
            case REPEATS_MATCH: kind = .repeated
            case SEQUENCE_MATCH: kind = .sequence
            case SPATIAL_MATCH: kind = .keyboard
            case DATE_MATCH, YEAR_MATCH: kind = .date
            default: kind = .other
            }
            parts.append(Part(kind: kind, repeatsEarlierPart: repeated, begin: Int(m.pointee.Begin),
                              length: Int(m.pointee.Length), bits: m.pointee.Entrpy))
            next = m.pointee.Next
        }
        return StrengthEstimate(bits: bits, parts: parts)
    }
}
