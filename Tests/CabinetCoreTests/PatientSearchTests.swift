import Testing
@testable import CabinetCore
@testable import CabinetDemo

@Suite("Patient search")
struct PatientSearchTests {
    @Test(arguments: [
        ("Lefèvre-Dupont", "lefevre dupont"),
        ("D’Hôtel", "d hotel"),
        ("D'Angelo", "d angelo"),
        ("d‘Arcy", "d arcy"),
        ("  de   La  Fontaine ", "de la fontaine"),
        ("ÉLOÏSE", "eloise"),
        ("Françoise", "francoise"),
        ("Lætitia", "laetitia"),
        ("Œuvray", "oeuvray"),
        ("Weiß", "weiss"),
        ("Noël", "noel"),
        ("Jean–Pierre", "jean pierre"),   // en dash
        ("Marie‐Hélène", "marie helene"), // U+2010 hyphen
        ("Gonçalves", "goncalves"),
        ("Łukasz Nowak", "lukasz nowak"),
        ("Ste. Anne", "ste anne"),
        ("He\u{0301}le\u{0300}ne", "helene"), // decomposed accents
        ("", ""),
        ("-'’ ", ""),
    ])
    func foldingGivesTheCanonicalKey(input: String, expected: String) {
        #expect(SearchText.fold(input) == expected)
    }

    @Test func searchKeyGathersAllNamesOnce() {
        let key = PatientSearchKey(birthName: "Lefèvre", usedName: "Martin-Dubois", firstNames: ["Marie-Hélène", "Noëlle"])
        #expect(key.value == "lefevre martin dubois marie helene noelle")
        // A used name equal to the birth name adds nothing.
        let same = PatientSearchKey(birthName: "Dupont", usedName: "DUPONT", firstNames: ["Jean"])
        #expect(same.value == "dupont jean")
        #expect(PatientSearchKey(stored: same.value) == same)
    }

    @Test func queryWithNameAndDate() {
        let q = PatientQuery.parse("dupont 12/03/1960")
        #expect(q.prefixes == ["dupont"])
        #expect(q.birthDate == CivilDate(year: 1960, month: 3, day: 12))
        #expect(q.dateProblem == nil)
    }

    @Test func queryWithSeveralPrefixes() {
        #expect(PatientQuery.parse("hel dup").prefixes == ["hel", "dup"])
        #expect(PatientQuery.parse("  Hél  DUP ").prefixes == ["hel", "dup"])
        #expect(PatientQuery.parse("d’hôtel").prefixes == ["d", "hotel"])
        #expect(PatientQuery.parse("").isEmpty)
    }

    @Test(arguments: ["12/03/1960", "12-03-1960", "12.03.1960", "12031960", "12/3/1960"])
    func queryWithADateAlone(text: String) {
        let q = PatientQuery.parse(text)
        #expect(q.prefixes == [])
        #expect(q.birthDate == CivilDate(year: 1960, month: 3, day: 12))
    }

    @Test func queryWithAnImpossibleDateSaysSo() {
        let q = PatientQuery.parse("martin 31/02/1960")
        #expect(q.prefixes == ["martin"])
        #expect(q.birthDate == nil)
        #expect(q.dateProblem == .impossible)
        let key = PatientSearchKey(birthName: "Martin", firstNames: ["Paul"])
        #expect(!q.matches(key, birthDate: CivilDate(year: 1960, month: 2, day: 28)))
    }

    @Test func everyPrefixMustStartADistinctWord() {
        let key = PatientSearchKey(birthName: "Dupont", usedName: "Lefèvre", firstNames: ["Hélène", "Marie"])
        #expect(PatientQuery.parse("hel dup").matches(key, birthDate: nil))
        #expect(PatientQuery.parse("dup hel").matches(key, birthDate: nil))   // any order
        #expect(PatientQuery.parse("lef").matches(key, birthDate: nil))       // used name
        #expect(PatientQuery.parse("mar hel lef dup").matches(key, birthDate: nil))
        #expect(!PatientQuery.parse("hel dup x").matches(key, birthDate: nil))
        #expect(!PatientQuery.parse("upont").matches(key, birthDate: nil))    // prefix, not substring
        #expect(!PatientQuery.parse("dup dup").matches(key, birthDate: nil))  // one word, used once
        #expect(PatientQuery.parse("Hélène").matches(key, birthDate: nil))    // accents folded
    }

    @Test func nestedPrefixesFindTheAssignmentGreedyOrderWouldMiss() {
        // "m" could take "martin" and leave nothing for "mar"; longest first works.
        let key = PatientSearchKey(birthName: "Martin", firstNames: ["Michel"])
        #expect(PatientQuery.parse("m mar").matches(key, birthDate: nil))
        #expect(PatientQuery.parse("mar m").matches(key, birthDate: nil))
        #expect(!PatientQuery.parse("mar mar").matches(key, birthDate: nil))
    }

    @Test func anAdversarialNameIsDecidedInOnePass() {
        // 30 distinct words all started by "a", against 20 prefixes "a" and
        // one that starts none: backtracking tried about 30!/10! assignments.
        let first = "ab ac ad ae af ag ah ai aj ak al am an ao ap aq ar as at au av aw ax ay az"
        let key = PatientSearchKey(birthName: "Aa-Aaa-Aaaa-Aaaaa-Aaaaaa", firstNames: [first])
        #expect(key.words.count == 30)
        let twenty = Array(repeating: "a", count: 20).joined(separator: " ")
        for (text, expected) in [(twenty + " z", false), (twenty, true), (twenty + " aaaaa", true),
                                 (Array(repeating: "a", count: 31).joined(separator: " "), false)] {
            let query = PatientQuery.parse(text)
            var value = key.value
            var steps = 0
            let found = value.withUTF8 { query.matchesName($0, steps: &steps) }
            #expect(found == expected, "\(text)")
            #expect(found == query.matches(key, birthDate: nil))
            // The proven bound: one scan of the key per prefix.
            #expect(steps <= query.prefixes.count * (key.value.utf8.count + 1), "\(text): \(steps) steps")
        }
    }

    @Test func dateFiltersHomonyms() throws {
        let key = PatientSearchKey(birthName: "Martin", firstNames: ["Jean"])
        let first = try #require(CivilDate(year: 1960, month: 3, day: 12))
        let second = try #require(CivilDate(year: 1987, month: 11, day: 2))
        let byName = PatientQuery.parse("martin jean")
        #expect(byName.matches(key, birthDate: first))
        #expect(byName.matches(key, birthDate: second))
        let byNameAndDate = PatientQuery.parse("jean martin 12/03/1960")
        #expect(byNameAndDate.matches(key, birthDate: first))
        #expect(!byNameAndDate.matches(key, birthDate: second))
        #expect(!byNameAndDate.matches(key, birthDate: nil))
        // A date alone finds everyone born that day.
        #expect(PatientQuery.parse("12031960").matches(PatientSearchKey(birthName: "Roux", firstNames: ["Léa"]), birthDate: first))
    }

    @Test func searchingAGeneratedListFindsHomonymsAndOnlyThem() throws {
        let today = try #require(CivilDate(year: 2026, month: 5, day: 4))
        let people = try DemoIdentities.generate(count: 2000, seed: 7, today: today)
        let keys = people.map(\.searchKey)
        let target = people[1234]
        let query = PatientQuery.parse(target.birthName + " " + target.firstNames[0])
        let found = people.indices.filter { query.matches(keys[$0], birthDate: people[$0].birthDate) }
        #expect(found.contains(1234))
        let withDate = PatientQuery.parse(target.birthName + " " + target.firstNames[0] + " " + target.birthDate.formatted)
        let narrowed = people.indices.filter { withDate.matches(keys[$0], birthDate: people[$0].birthDate) }
        #expect(narrowed.contains(1234))
        #expect(narrowed.allSatisfy { people[$0].birthDate == target.birthDate })
        #expect(narrowed.count <= found.count)
    }
}
