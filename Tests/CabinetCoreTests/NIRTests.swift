import Testing
@testable import CabinetCore

@Suite("NIR")
struct NIRTests {
    // Keys computed by hand as 97 − (number mod 97).
    @Test func validNumbersAreAcceptedWithOrWithoutSpaces() throws {
        let nir = try NIR("1 84 12 76 451 089 46")
        #expect(nir.value == "184127645108946")
        #expect(try NIR("184127645108946") == nir)
        #expect(try NIR(" 2 55 08 14 168 025 38 ").value == "255081416802538")
        // A non-breaking space, as pasted from a PDF.
        #expect(throws: Never.self) { try NIR("1\u{00A0}84 12 76 451 089 46") }
    }

    @Test func keyIsNinetySevenMinusTheRemainder() {
        #expect(NIR.key(for: "1841276451089") == 46)
        #expect(NIR.key(for: "2 55 08 14 168 025") == 38)
        // A number divisible by 97 has key 97, not 0.
        #expect(NIR.key(for: "1840576451023") == 97)
        #expect(NIR.problem(in: "1 84 05 76 451 023 97") == nil)
        #expect(NIR.key(for: "184127645108") == nil)
        #expect(NIR.key(for: "18412764510x9") == nil)
    }

    @Test func corsicaIsReadAsNineteenAndEighteenForTheKey() throws {
        // 2A → 19: 2900519004123 mod 97 = 45, key 52.
        #expect(NIR.key(for: "2 90 05 2A 004 123") == 52)
        let southern = try NIR("2 90 05 2A 004 123 52")
        #expect(southern.department == "2A")
        #expect(southern.formatted == "2 90 05 2A 004 123 52")
        // Lower case is accepted.
        #expect(try NIR("290052a00412352") == southern)
        // 2B → 18: key 40.
        #expect(NIR.key(for: "1 75 03 2B 033 045") == 40)
        #expect(try NIR("1 75 03 2B 033 045 40").department == "2B")
        // Reading 2A as 20 would give 25: that key is wrong for 2A…
        #expect(NIR.problem(in: "2 90 05 2A 004 123 25") == .key)
        // …and right for department 20 (Corsica before 1976), read as it is.
        #expect(NIR.problem(in: "2 90 05 20 004 123 25") == nil)
    }

    @Test func overseasAndForeignBirthsAreAccepted() throws {
        let guadeloupe = try NIR("1 62 07 971 20 318 90")
        #expect(guadeloupe.department == "971")
        #expect(guadeloupe.commune == "20")
        let algeria = try NIR("2 01 33 99 352 007 40")
        #expect(algeria.department == "99")
        #expect(algeria.commune == "352")
        #expect(algeria.birthMonth == 3) // pseudo-month 33 = March + 30
        // A temporary number (NIA) for a man born in Portugal.
        let nia = try NIR("7 95 04 99 139 021 29")
        #expect(nia.isTemporary)
        #expect(nia.sex == .male)
    }

    @Test func wrongKeyIsReported() {
        #expect(NIR.problem(in: "1 84 12 76 451 089 47") == .key)
        #expect(NIR.problem(in: "1 84 12 76 451 089 00") == .key)
        // A swapped pair of digits changes the key.
        #expect(NIR.problem(in: "1 84 12 76 415 089 46") == .key)
        #expect(throws: NIRProblem.key) { try NIR("184127645108946".replacingLast("47")) }
    }

    @Test func eachProblemIsNamed() {
        #expect(NIR.problem(in: "1 84 12 76 451 089") == .length)
        #expect(NIR.problem(in: "1 84 12 76 451 089 466") == .length)
        #expect(NIR.problem(in: "") == .length)
        #expect(NIR.problem(in: "1-84-12-76-451-089-46") == .characters)
        #expect(NIR.problem(in: "1 84 12 76 45X 089 46") == .characters)
        #expect(NIR.problem(in: "1 84 12 7A 451 089 46") == .characters) // A only after a 2
        #expect(NIR.problem(in: "1 84 12 2A 4B1 089 46") == .characters) // B outside the department
        #expect(NIR.problem(in: "5 84 12 76 451 089 46") == .sex)
        #expect(NIR.problem(in: "0 84 12 76 451 089 46") == .sex)
        #expect(NIR.problem(in: "1 84 13 76 451 089 46") == .month)
        #expect(NIR.problem(in: "1 84 00 76 451 089 46") == .month)
        #expect(NIR.problem(in: "1 84 45 76 451 089 46") == .month)
        #expect(NIR.problem(in: "1 84 12 00 451 089 46") == .department)
        #expect(NIR.problem(in: "1 84 12 979 45 089 46") == .department)
        #expect(NIR.problem(in: "1 84 12 76 000 089 46") == .commune)
        #expect(NIR.problem(in: "1 84 12 76 451 000 46") == .order)
    }

    @Test func pseudoMonthsAreAccepted() {
        for month in ["20", "30", "31", "42", "50", "99"] {
            let first13 = "184" + month + "76451089"
            let key = NIR.key(for: first13) ?? 0
            let text = first13 + (key < 10 ? "0" : "") + String(key)
            #expect(NIR.problem(in: text) == nil, "month \(month)")
        }
    }

    @Test func partsAreRead() throws {
        let nir = try NIR("2 55 08 14 168 025 38")
        #expect(nir.sex == .female)
        #expect(!nir.isTemporary)
        #expect(nir.yearDigits == 55)
        #expect(nir.birthMonth == 8)
        #expect(nir.department == "14")
        #expect(nir.commune == "168")
        #expect(nir.order == "025")
        #expect(nir.key == 38)
        #expect(nir.masked == "2 •• •• •• ••• ••• 38")
    }

    @Test func consistencyWithTheIdentityGivesWarnings() throws {
        let nir = try NIR("1 84 12 76 451 089 46")
        let december1984 = try #require(CivilDate(year: 1984, month: 12, day: 3))
        #expect(nir.warnings(sex: .male, birthDate: december1984) == [])
        #expect(nir.warnings(sex: .female, birthDate: december1984) == [.sexMismatch])
        #expect(nir.warnings(sex: .indeterminate, birthDate: december1984) == [])
        let november1985 = try #require(CivilDate(year: 1985, month: 11, day: 3))
        #expect(nir.warnings(sex: .male, birthDate: november1985) == [.yearMismatch, .monthMismatch])
        // Same two digits a century apart: consistent.
        let december1884 = try #require(CivilDate(year: 1884, month: 12, day: 3))
        #expect(nir.warnings(sex: .male, birthDate: december1884) == [])
        #expect(nir.warnings(sex: nil, birthDate: nil) == [])
    }

    @Test func unknownMonthIsNotComparedButPseudoFictitiousIs() throws {
        let unknown = try NIR("2 01 20 99 352 007" + keyString("2012099352007"))
        let date = try #require(CivilDate(year: 2001, month: 7, day: 14))
        #expect(unknown.birthMonth == nil)
        #expect(unknown.warnings(sex: .female, birthDate: date) == [])
        let march = try NIR("2 01 33 99 352 007 40")
        #expect(march.warnings(sex: .female, birthDate: date) == [.monthMismatch])
    }

    @Test func messagesNeverRepeatTheNumber() {
        let fr = Catalog.load(.french)
        let typed = "1 84 12 76 451 089 47"
        for problem in NIRProblem.allCases {
            let text = problem.message(fr)
            #expect(text != problem.messageKey, "\(problem.messageKey) missing")
            #expect(!text.contains("451"), "\(problem.messageKey) quotes digits")
            #expect(!text.contains(typed))
        }
        for warning in NIRWarning.allCases {
            #expect(warning.message(fr) != warning.messageKey)
        }
    }

    private func keyString(_ first13: String) -> String {
        let key = NIR.key(for: first13) ?? 0
        return " " + (key < 10 ? "0" : "") + String(key)
    }
}

private extension String {
    func replacingLast(_ two: String) -> String { String(dropLast(2)) + two }
}
