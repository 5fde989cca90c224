import CabinetResources
import Foundation
import Synchronization

/// The user's language: French by default, English under an English locale.
public enum Language: String, Sendable, CaseIterable {
    case french = "fr"
    case english = "en"

    /// Reads `LC_ALL`, then `LC_MESSAGES`, then `LANG` (POSIX order).
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) -> Language {
        for key in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let value = env[key], !value.isEmpty {
                return value.lowercased().hasPrefix("en") ? .english : .french
            }
        }
        return .french
    }
}

/// One catalogue of user-facing strings, loaded from `Resources/strings`.
///
/// Entries use named placeholders: `"Page {page} illisible"`. A missing key
/// falls back to French, then to the key itself, so a gap never crashes.
public struct Catalog: Sendable {
    public let language: Language
    let entries: [String: String]
    let fallback: [String: String]

    public init(language: Language, entries: [String: String], fallback: [String: String] = [:]) {
        self.language = language
        self.entries = entries
        self.fallback = fallback
    }

    /// Loads the catalogue for `language` from the shipped resources.
    public static func load(_ language: Language) -> Catalog {
        let french = loadEntries(.french)
        if language == .french { return Catalog(language: .french, entries: french) }
        return Catalog(language: language, entries: loadEntries(language), fallback: french)
    }

    /// The catalogue of `language`, loaded once per process.
    public static func cached(_ language: Language) -> Catalog {
        loaded.withLock { cache in
            if let c = cache[language] { return c }
            let c = load(language)
            cache[language] = c
            return c
        }
    }
    private static let loaded = Mutex<[Language: Catalog]>([:])

    /// The catalogue for the current environment, loaded once.
    public static let current: Catalog = load(Language.fromEnvironment())

    public static func loadEntries(_ language: Language) -> [String: String] {
        guard let dir = CabinetResources.stringsDirectory(),
              let data = try? Data(contentsOf: dir.appendingPathComponent("\(language.rawValue).json")),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: String]
        else { return [:] }
        return object
    }

    public var keys: Set<String> { Set(entries.keys) }

    /// The words a command line accepts for `key`, whatever the interface's
    /// language: the comma-separated list of both catalogues, lower case
    /// ("fermé", "ferme" and "closed" alike).
    public static func inputWords(_ key: String) -> Set<String> {
        var words: Set<String> = []
        for language in [Language.french, .english] {
            for w in cached(language).text(key).split(separator: ",") {
                words.insert(w.trimmingCharacters(in: .whitespaces).lowercased())
            }
        }
        return words
    }

    /// The i-th word (from 0) of a comma-separated list in both catalogues,
    /// lower case: `agenda.weekdays` gives ["lun", "mon"] for 0.
    public static func listWords(_ key: String, at i: Int) -> Set<String> {
        var words: Set<String> = []
        for language in [Language.french, .english] {
            let list = cached(language).text(key).split(separator: ",")
            if list.indices.contains(i) { words.insert(list[i].trimmingCharacters(in: .whitespaces).lowercased()) }
        }
        return words
    }

    /// The text for `key` with `{name}` placeholders replaced from `args`.
    public func text(_ key: String, _ args: [String: String] = [:]) -> String {
        var s = entries[key] ?? fallback[key] ?? key
        for (name, value) in args {
            s = s.replacingOccurrences(of: "{\(name)}", with: value)
        }
        return s
    }
}
