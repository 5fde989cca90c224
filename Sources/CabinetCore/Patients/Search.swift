#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The canonical form names are compared in: lower case, no diacritics,
/// words separated by single spaces.
///
/// "Lefèvre-Dupont" → "lefevre dupont", "D’Hôtel" → "d hotel",
/// "Œuvray" → "oeuvray", "Weiß" → "weiss". Hyphens, apostrophes (straight or
/// typographic) and every other non-letter, non-digit character separate
/// words. Pure Swift, table-driven: the same result on every platform (the
/// key is stored in an index column) and fast enough to fold 50 000 names.
public enum SearchText {
    public static func fold(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            let v = scalar.value
            var replacement: [UInt8]?
            if v < 0x80 {
                switch v {
                case 0x30...0x39, 0x61...0x7A:
                    if pendingSpace && !out.isEmpty { out.append(0x20) }
                    pendingSpace = false
                    out.append(UInt8(v))
                case 0x41...0x5A:
                    if pendingSpace && !out.isEmpty { out.append(0x20) }
                    pendingSpace = false
                    out.append(UInt8(v + 0x20))
                default:
                    pendingSpace = true
                }
                continue
            } else if v >= latinBase && v < latinBase + UInt32(latin.count), !latin[Int(v - latinBase)].isEmpty {
                replacement = latin[Int(v - latinBase)]
            } else if scalar.properties.generalCategory == .nonspacingMark {
                // Combining marks of a decomposed input: dropped with their accent.
                continue
            } else if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                replacement = Array(scalar.properties.lowercaseMapping.utf8)
            }
            if let replacement {
                if pendingSpace && !out.isEmpty { out.append(0x20) }
                pendingSpace = false
                out.append(contentsOf: replacement)
            } else {
                pendingSpace = true
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// U+00C0–U+024F (Latin-1 letters, Latin Extended-A and B): the plain
    /// lower-case form of each letter with a diacritic, and of the
    /// ligatures; empty where the table says nothing.
    static let latinBase: UInt32 = 0xC0
    static let latin: [[UInt8]] = {
        let table: [(String, String)] = [
            ("a", "àáâãäåāăąǎȁȃ"), ("c", "çćĉċč"), ("d", "ďđð"), ("e", "èéêëēĕėęěȅȇ"),
            ("g", "ĝğġģǧ"), ("h", "ĥħ"), ("i", "ìíîïĩīĭįıǐȉȋ"), ("j", "ĵ"), ("k", "ķǩ"),
            ("l", "ĺļľŀł"), ("n", "ñńņňŉ"), ("o", "òóôõöøōŏőǒȍȏ"), ("r", "ŕŗř"),
            ("s", "śŝşšș"), ("t", "ţťŧț"), ("u", "ùúûüũūŭůűųǔ"), ("w", "ŵ"), ("y", "ýÿŷ"),
            ("z", "źżž"), ("oe", "œ"), ("ae", "æ"), ("ss", "ß"), ("th", "þ"),
        ]
        var map = [[UInt8]](repeating: [], count: 0x250 - 0xC0)
        func set(_ s: Unicode.Scalar, _ plain: String) {
            let i = Int(s.value) - Int(latinBase)
            if i >= 0 && i < map.count && map[i].isEmpty { map[i] = Array(plain.utf8) }
        }
        for (plain, accented) in table {
            for s in accented.unicodeScalars {
                set(s, plain)
                // The upper-case letter, where it is a single scalar (É, Œ, İ…).
                let upper = s.properties.uppercaseMapping.unicodeScalars
                if upper.count == 1, let u = upper.first { set(u, plain) }
            }
        }
        set("İ", "i")
        // Other letters of the range (ǆ, ǈ…): their lower-case form.
        for v in 0xC0..<0x250 {
            guard let s = Unicode.Scalar(v), map[v - 0xC0].isEmpty, s.properties.isAlphabetic else { continue }
            map[v - 0xC0] = Array(s.properties.lowercaseMapping.utf8)
        }
        return map
    }()
}

/// The searchable form of a patient's names, computed once when the
/// identity is written and stored in an index column; searching compares
/// queries with it without folding names again.
///
/// `value` is the folded words of the birth name, used name and first
/// names, space-separated, each distinct word once (a used name equal to
/// the birth name adds nothing).
public struct PatientSearchKey: Sendable, Hashable {
    public let value: String

    public init(birthName: String, usedName: String? = nil, firstNames: [String]) {
        var names = birthName
        if let usedName { names += " " + usedName }
        for first in firstNames { names += " " + first }
        let folded = Array(SearchText.fold(names).utf8)
        // Distinct words, in order (few words: a linear scan is cheapest).
        var words: [ArraySlice<UInt8>] = []
        for word in folded.split(separator: 0x20) where !words.contains(where: { $0.elementsEqual(word) }) {
            words.append(word)
        }
        var out: [UInt8] = []
        out.reserveCapacity(folded.count)
        for word in words {
            if !out.isEmpty { out.append(0x20) }
            out.append(contentsOf: word)
        }
        value = String(decoding: out, as: UTF8.self)
    }

    /// A key read back from storage.
    public init(stored: String) { value = stored }

    public var words: [Substring] { value.split(separator: " ") }
}

/// A search typed in the patient finder: name prefixes, and a date of birth.
///
/// "dupont 12/03/1960" → prefixes ["dupont"], date 1960-03-12;
/// "hel dup" → ["hel", "dup"]; "12031960" → a date alone. A token shaped
/// like a date that does not exist ("31/02/1960") sets `dateProblem`, so
/// the finder can say why nothing matches.
public struct PatientQuery: Sendable, Equatable {
    public let prefixes: [String]
    public let birthDate: CivilDate?
    public let dateProblem: DateProblem?
    /// A year of birth typed alone ("dupont 1960").
    public let birthYear: Int?
    /// The prefixes as UTF-8, longest first, for `matches`.
    private let sortedPrefixes: [[UInt8]]

    public init(prefixes: [String], birthDate: CivilDate? = nil, dateProblem: DateProblem? = nil, birthYear: Int? = nil) {
        self.prefixes = prefixes
        self.birthDate = birthDate
        self.dateProblem = dateProblem
        self.birthYear = birthYear
        // An empty prefix asks nothing.
        sortedPrefixes = prefixes.map { Array($0.utf8) }.filter { !$0.isEmpty }.sorted { $0.count > $1.count }
    }

    public static func parse(_ text: String) -> PatientQuery {
        var prefixes: [String] = []
        var date: CivilDate?
        var problem: DateProblem?
        var year: Int?
        for token in text.split(whereSeparator: \.isWhitespace) {
            let t = String(token)
            // Four digits from 1900 on: a year of birth (names hold no digit).
            if t.count == 4, t.allSatisfy(\.isASCIIDigit), let y = Int(t), y >= 1900 {
                year = y
            } else if FrenchDate.looksLikeDate(t) {
                do throws(DateProblem) {
                    date = try FrenchDate.parse(t)
                } catch {
                    problem = error
                }
            } else {
                prefixes += SearchText.fold(t).split(separator: " ").map(String.init)
            }
        }
        return PatientQuery(prefixes: prefixes, birthDate: date, dateProblem: problem, birthYear: year)
    }

    /// Whether nothing was asked (no prefix, no date, no bad date).
    public var isEmpty: Bool { prefixes.isEmpty && birthDate == nil && dateProblem == nil && birthYear == nil }

    /// Every prefix starts a distinct word of the names, in any order; with
    /// a date, the date of birth equals it. A date that does not exist
    /// matches nobody. An empty query matches everyone.
    public func matches(_ key: PatientSearchKey, birthDate patientBirthDate: CivilDate?) -> Bool {
        if dateProblem != nil { return false }
        if let birthDate, birthDate != patientBirthDate { return false }
        if let birthYear, patientBirthDate?.year != birthYear { return false }
        var value = key.value
        return value.withUTF8 { matchesName($0) }
    }

    /// The names part of `matches`, on a stored key's bytes (its words
    /// separated by single spaces): the one name matcher, which the store's
    /// search index also calls for each candidate, without copying it.
    /// How well a found patient answers the prefixes, for ordering (lower
    /// first): the last name exactly what was typed, then a last name with
    /// a word exactly typed (one part of a compound name), then the rest.
    public func rank(displayName: String) -> Int {
        guard !prefixes.isEmpty else { return 0 }
        // The display name starts with the last name in capitals.
        let last = displayName.split(separator: " ").prefix { $0 == $0.uppercased() && $0.contains { $0.isLetter } }
        let words = SearchText.fold(last.joined(separator: " ")).split(separator: " ").map(String.init)
        if words == prefixes || words.joined(separator: " ") == prefixes.joined(separator: " ") { return 0 }
        if prefixes.contains(where: { words.contains($0) }) { return 1 }
        return 2
    }

    public func matchesName(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        var steps = 0
        return matchesName(key, steps: &steps)
    }

    /// Longest prefixes first, each taking the first free word it starts.
    ///
    /// Why greedy is exact: the words a prefix starts form a set, and for
    /// two prefixes these sets are either nested (one prefix starts the
    /// other: every word "mar" starts, "m" starts too) or disjoint. In such
    /// a laminar family, serving the more specific prefix first with any of
    /// its words never blocks a solution: every other prefix that could
    /// have used that word is shorter, and can use any word of the more
    /// specific one's set. So one pass decides, where the store's former
    /// backtracking tried every assignment (30 words "a…" against 20
    /// prefixes "a" and one that fits none: about 30!/10! tries).
    ///
    /// Bound: each prefix scans the key once, comparing at most its own
    /// length at each word start: at most `prefixes × (key bytes + 1)`
    /// steps (`steps` counts them for the tests). Only the first 64 words
    /// can be taken, far more than the name fields' lengths allow.
    func matchesName(_ key: UnsafeBufferPointer<UInt8>, steps: inout Int) -> Bool {
        var used: UInt64 = 0
        for prefix in sortedPrefixes {
            let first = prefix[0]
            var found = false
            var word = 0
            var start = 0
            while start < key.count {
                // The word's end: memchr skips a word this prefix cannot
                // start faster than a byte loop (the old matcher's split
                // words answered that in one comparison; this keeps its pace
                // without splitting anything).
                let end: Int
                if let base = key.baseAddress, let hit = memchr(base + start, 0x20, key.count - start) {
                    end = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                } else {
                    end = key.count
                }
                steps += end - start + 1
                if word < 64, key[start] == first, used & (1 << word) == 0, end - start >= prefix.count {
                    var i = 1
                    while i < prefix.count && key[start + i] == prefix[i] { i += 1 }
                    if i == prefix.count {
                        used |= 1 << word
                        found = true
                        break
                    }
                }
                word += 1
                start = end + 1
            }
            if !found { return false }
        }
        return true
    }
}
