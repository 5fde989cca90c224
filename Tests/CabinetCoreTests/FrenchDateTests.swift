import Foundation
import Testing
@testable import CabinetCore

@Suite("French dates")
struct FrenchDateTests {
    let today = CivilDate(year: 2026, month: 5, day: 4)!

    @Test(arguments: ["12/03/1960", "12-03-1960", "12.03.1960", "12031960", "12/3/1960", " 12/03/1960 "])
    func acceptedShapes(text: String) throws {
        #expect(try FrenchDate.parse(text) == CivilDate(year: 1960, month: 3, day: 12))
    }

    @Test func singleDigitDayAndMonth() throws {
        #expect(try FrenchDate.parse("1/2/2003") == CivilDate(year: 2003, month: 2, day: 1))
    }

    @Test(arguments: ["", "12/03/60", "12/03", "1960-03-12", "12/03-1960", "12 03 1960", "1203196", "120319600", "aa/bb/cccc", "12//1960", "١٢/٠٣/١٩٦٠"])
    func rejectedShapes(text: String) {
        #expect(throws: DateProblem.format) { try FrenchDate.parse(text) }
    }

    @Test func impossibleDays() {
        #expect(throws: DateProblem.impossible) { try FrenchDate.parse("31/02/2000") }
        #expect(throws: DateProblem.impossible) { try FrenchDate.parse("29/02/2023") }
        #expect(throws: DateProblem.impossible) { try FrenchDate.parse("31/04/2020") }
        #expect(throws: DateProblem.impossible) { try FrenchDate.parse("00/01/2020") }
        #expect(throws: DateProblem.impossible) { try FrenchDate.parse("10/13/2020") }
        #expect(throws: DateProblem.impossible) { try FrenchDate.parse("29/02/1900") } // century, not leap
    }

    @Test func leapDaysThatExist() throws {
        #expect(try FrenchDate.parse("29/02/2024") == CivilDate(year: 2024, month: 2, day: 29))
        #expect(try FrenchDate.parse("29022000") == CivilDate(year: 2000, month: 2, day: 29))
    }

    @Test func birthDatesAreBetween1900AndToday() throws {
        #expect(try FrenchDate.parseBirthDate("04/05/2026", today: today) == today)
        #expect(throws: DateProblem.future) { try FrenchDate.parseBirthDate("05/05/2026", today: today) }
        #expect(throws: DateProblem.future) { try FrenchDate.parseBirthDate("01/01/2030", today: today) }
        #expect(try FrenchDate.parseBirthDate("01/01/1900", today: today) == CivilDate(year: 1900, month: 1, day: 1))
        #expect(throws: DateProblem.tooOld) { try FrenchDate.parseBirthDate("31/12/1899", today: today) }
        // Shape and existence come first.
        #expect(throws: DateProblem.impossible) { try FrenchDate.parseBirthDate("31/02/2030", today: today) }
    }

    @Test func civilDateForms() throws {
        let d = try #require(CivilDate(year: 1960, month: 3, day: 12))
        #expect(d.iso == "1960-03-12")
        #expect(d.formatted == "12/03/1960")
        #expect(CivilDate(iso: "1960-03-12") == d)
        #expect(CivilDate(iso: "1960-02-30") == nil)
        #expect(CivilDate(iso: "12/03/1960") == nil)
        let data = try JSONEncoder().encode([d])
        #expect(String(decoding: data, as: UTF8.self) == "[\"1960-03-12\"]")
        #expect(try JSONDecoder().decode([CivilDate].self, from: data) == [d])
    }

    @Test func dayNumbersRoundTrip() throws {
        #expect(CivilDate(year: 1970, month: 1, day: 1)?.dayNumber == 0)
        #expect(CivilDate(year: 2000, month: 3, day: 1)?.dayNumber == 11_017)
        #expect(CivilDate(year: 1969, month: 12, day: 31)?.dayNumber == -1)
        for n in stride(from: -30_000, through: 30_000, by: 997) {
            #expect(CivilDate(dayNumber: n)?.dayNumber == n)
        }
        let leap = try #require(CivilDate(year: 2024, month: 2, day: 28))
        #expect(leap.adding(days: 1) == CivilDate(year: 2024, month: 2, day: 29))
        #expect(leap.adding(days: 2) == CivilDate(year: 2024, month: 3, day: 1))
    }

    @Test func ageInCompletedYears() throws {
        let birth = try #require(CivilDate(year: 2000, month: 2, day: 29))
        #expect(birth.age(on: try #require(CivilDate(year: 2018, month: 2, day: 28))) == 17)
        #expect(birth.age(on: try #require(CivilDate(year: 2018, month: 3, day: 1))) == 18)
        #expect(birth.age(on: birth) == 0)
    }

    @Test func todayIsTakenInParis() throws {
        // 2026-05-03 22:30 UTC is already 4 May (00:30) in Paris (UTC+2 in summer).
        let lateEvening = Date(timeIntervalSince1970: 1_777_847_400)
        #expect(CivilDate(lateEvening) == CivilDate(year: 2026, month: 5, day: 4))
        // 2026-01-15 23:30 UTC is 16 January (00:30) in Paris (UTC+1 in winter).
        #expect(CivilDate(Date(timeIntervalSince1970: 1_768_519_800)) == CivilDate(year: 2026, month: 1, day: 16))
    }
}
