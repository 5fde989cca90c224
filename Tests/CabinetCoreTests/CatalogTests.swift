import CabinetResources
import Foundation
import Testing
@testable import CabinetCore

/// The `{name}` placeholders of a catalogue entry.
func placeholders(_ s: String) -> Set<String> {
    var found: Set<String> = []
    var rest = Substring(s)
    while let open = rest.firstIndex(of: "{") {
        let after = rest[rest.index(after: open)...]
        guard let close = after.firstIndex(of: "}") else { break }
        let name = after[..<close]
        if !name.isEmpty && name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
            found.insert(String(name))
        }
        rest = after[after.index(after: close)...]
    }
    return found
}

@Suite("Catalogues")
struct CatalogTests {
    @Test func frenchAndEnglishCataloguesLoad() throws {
        let fr = Catalog.loadEntries(.french)
        let en = Catalog.loadEntries(.english)
        // Empty means the resource bundle was not found next to the test binary.
        #expect(!fr.isEmpty, "fr.json not found (CabinetResources.stringsDirectory() = \(String(describing: CabinetResourcesProbe.directory)))")
        #expect(!en.isEmpty, "en.json not found")
        #expect(fr["error.wrong_passphrase"] == "Identifiant ou mot de passe incorrect.")
        #expect(en["error.wrong_passphrase"] == "Wrong login or passphrase.")
    }

    @Test func bothCataloguesHaveTheSameKeys() {
        let fr = Set(Catalog.loadEntries(.french).keys)
        let en = Set(Catalog.loadEntries(.english).keys)
        #expect(!fr.isEmpty)
        #expect(fr.subtracting(en).sorted() == [], "keys missing in English")
        #expect(en.subtracting(fr).sorted() == [], "keys missing in French")
    }

    @Test func noEntryIsEmpty() {
        for language in Language.allCases {
            let entries = Catalog.loadEntries(language)
            #expect(!entries.isEmpty)
            for (key, value) in entries {
                #expect(!value.trimmingCharacters(in: .whitespaces).isEmpty, "\(language.rawValue): \(key) is empty")
            }
        }
    }

    @Test func everyPassphraseProblemHasAMessage() {
        for language in Language.allCases {
            let entries = Catalog.loadEntries(language)
            for problem in PassphraseProblem.allCases {
                #expect(entries[problem.messageKey] != nil, "\(language.rawValue): \(problem.messageKey) missing")
            }
        }
    }

    @Test func placeholdersMatchBetweenLanguages() {
        let fr = Catalog.loadEntries(.french)
        let en = Catalog.loadEntries(.english)
        #expect(!fr.isEmpty && !en.isEmpty)
        for (key, french) in fr {
            guard let english = en[key] else { continue }
            #expect(placeholders(french) == placeholders(english),
                    "\(key): fr \(placeholders(french).sorted()) vs en \(placeholders(english).sorted())")
        }
    }

    @Test func placeholderScannerFindsNames() {
        // The helper above must see what it is asked to compare.
        #expect(placeholders("Page {page} de {total}, {x") == ["page", "total"])
        #expect(placeholders(Catalog.loadEntries(.french)["error.future_format"] ?? "") == ["found", "supported"])
    }

    @Test func textReplacesNamedPlaceholders() {
        let c = Catalog(language: .french, entries: ["k": "Page {page} de {total} ({page})"])
        #expect(c.text("k", ["page": "3", "total": "9"]) == "Page 3 de 9 (3)")
        // An argument without placeholder changes nothing; an unfilled one stays.
        #expect(c.text("k", ["autre": "x"]) == "Page {page} de {total} ({page})")
    }

    @Test func missingKeyFallsBackToFrenchThenToTheKey() {
        let c = Catalog(language: .english, entries: ["a": "A en"], fallback: ["a": "A fr", "b": "B fr"])
        #expect(c.text("a") == "A en")
        #expect(c.text("b") == "B fr")
        #expect(c.text("c.missing") == "c.missing")
    }

    @Test func loadedCatalogueTextUsesTheFile() {
        let fr = Catalog.load(.french)
        #expect(fr.text("error.page_altered", ["page": "812"]).contains("page 812"))
        let en = Catalog.load(.english)
        #expect(en.text("error.wrong_passphrase") == "Wrong login or passphrase.")
    }
}

enum CabinetResourcesProbe {
    static var directory: URL? { CabinetResources.stringsDirectory() }
}
