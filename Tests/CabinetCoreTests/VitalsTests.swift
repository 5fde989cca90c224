import Testing
@testable import CabinetCore

@Suite("Vitals")
struct VitalsTests {
    @Test func frenchDecimalsAreRead() {
        #expect(Vitals.parseDecimal("72,5") == 72.5)
        #expect(Vitals.parseDecimal("72.5") == 72.5)
        #expect(Vitals.parseDecimal(" 120 ") == 120)
        #expect(Vitals.parseDecimal("0,3") == 0.3)
        #expect(Vitals.parseDecimal(",5") == 0.5)
        #expect(Vitals.parseDecimal("72,") == 72)
        #expect(Vitals.parseDecimal("") == nil)
        #expect(Vitals.parseDecimal(",") == nil)
        #expect(Vitals.parseDecimal("7,2,5") == nil)
        #expect(Vitals.parseDecimal("-5") == nil)
        #expect(Vitals.parseDecimal("72 kg") == nil)
        #expect(Vitals.parseDecimal("1e3") == nil)
    }

    @Test func valuesInRangeAreAccepted() throws {
        #expect(try Vitals.parse("72,5", as: .weight) == 72.5)
        #expect(try Vitals.parse("0,3", as: .weight) == 0.3)
        #expect(try Vitals.parse("400", as: .weight) == 400)
        #expect(try Vitals.parse("175", as: .height) == 175)
        #expect(try Vitals.parse("37,8", as: .temperature) == 37.8)
        #expect(try Vitals.parse("62", as: .pulse) == 62)
    }

    @Test func eachSignHasItsRangeProblem() {
        #expect(throws: VitalProblem.outOfRange(.weight)) { try Vitals.parse("0,2", as: .weight) }
        #expect(throws: VitalProblem.outOfRange(.weight)) { try Vitals.parse("72500", as: .weight) } // grams
        #expect(throws: VitalProblem.outOfRange(.height)) { try Vitals.parse("1,75", as: .height) }  // metres
        #expect(throws: VitalProblem.outOfRange(.height)) { try Vitals.parse("251", as: .height) }
        #expect(throws: VitalProblem.outOfRange(.pulse)) { try Vitals.parse("19", as: .pulse) }
        #expect(throws: VitalProblem.outOfRange(.pulse)) { try Vitals.parse("251", as: .pulse) }
        #expect(throws: VitalProblem.outOfRange(.temperature)) { try Vitals.parse("29,9", as: .temperature) }
        #expect(throws: VitalProblem.outOfRange(.temperature)) { try Vitals.parse("98,6", as: .temperature) } // °F
        #expect(throws: VitalProblem.outOfRange(.systolic)) { try Vitals.parse("12", as: .systolic) } // cmHg
        #expect(throws: VitalProblem.format) { try Vitals.parse("soixante", as: .pulse) }
        #expect(VitalProblem.outOfRange(.weight).messageKey == "vital.weight.range")
    }

    @Test func bloodPressure() throws {
        try Vitals.checkPressure(systolic: 120, diastolic: 80)
        #expect(throws: VitalProblem.pressureOrder) { try Vitals.checkPressure(systolic: 80, diastolic: 120) }
        #expect(throws: VitalProblem.pressureOrder) { try Vitals.checkPressure(systolic: 90, diastolic: 90) }
        #expect(throws: VitalProblem.outOfRange(.diastolic)) { try Vitals.checkPressure(systolic: 120, diastolic: 8) }
        #expect(throws: VitalProblem.outOfRange(.systolic)) { try Vitals.checkPressure(systolic: 350, diastolic: 80) }
    }

    @Test func bmiIsRoundedToOneDecimal() {
        #expect(Vitals.bmi(weightKg: 72.5, heightCm: 175) == 23.7)   // 23.673…
        #expect(Vitals.bmi(weightKg: 70, heightCm: 170) == 24.2)     // 24.221…
        #expect(Vitals.bmi(weightKg: 120, heightCm: 160) == 46.9)    // 46.875
        #expect(Vitals.bmi(weightKg: 72.5, heightCm: 1.75) == nil)   // height in metres
    }

    @Test func whoCategories() {
        #expect(BMICategory(bmi: 16) == .underweight)
        #expect(BMICategory(bmi: 18.4) == .underweight)
        #expect(BMICategory(bmi: 18.5) == .normal)
        #expect(BMICategory(bmi: 24.9) == .normal)
        #expect(BMICategory(bmi: 25) == .overweight)
        #expect(BMICategory(bmi: 29.9) == .overweight)
        #expect(BMICategory(bmi: 30) == .obesityClass1)
        #expect(BMICategory(bmi: 35) == .obesityClass2)
        #expect(BMICategory(bmi: 39.9) == .obesityClass2)
        #expect(BMICategory(bmi: 40) == .obesityClass3)
        #expect(Vitals.bmiCategory(bmi: 31, ageInYears: 40) == .obesityClass1)
        #expect(Vitals.bmiCategory(bmi: 31, ageInYears: 12) == nil) // children: growth curves
    }

    @Test func rangeMessagesGiveTheLimitsInTheLanguage() {
        let fr = Catalog.load(.french)
        let en = Catalog.load(.english)
        let weightFR = VitalProblem.outOfRange(.weight).message(fr)
        #expect(weightFR.contains("0,3") && weightFR.contains("400"))
        #expect(!weightFR.contains("{"))
        #expect(VitalProblem.outOfRange(.weight).message(en).contains("0.3"))
        #expect(VitalProblem.outOfRange(.temperature).message(fr).contains("45"))
        #expect(Vitals.format(72.5, language: .french) == "72,5")
        #expect(Vitals.format(400, language: .english) == "400")
    }

    /// In range but unusual: said, never refused; the usual values say nothing.
    @Test func unusualValuesAreNamed() {
        #expect(Vitals.warnings([.systolic: 130, .diastolic: 80, .pulse: 72, .weight: 72.5, .height: 170, .temperature: 37]).isEmpty)
        let w = Vitals.warnings([.systolic: 300, .diastolic: 20])
        #expect(w == [.unusual(.systolic, 300), .unusual(.diastolic, 20), .pulsePressure(systolic: 300, diastolic: 20)])
        #expect(Vitals.warnings([.systolic: 120, .diastolic: 110]) == [.pulsePressure(systolic: 120, diastolic: 110)])
        #expect(Vitals.warnings([.pulse: 230]) == [.unusual(.pulse, 230)])
        #expect(Vitals.warnings([.temperature: 42.5]) == [.unusual(.temperature, 42.5)])
        for sign in VitalSign.allCases {
            #expect(sign.range.lowerBound < sign.usual.lowerBound && sign.usual.upperBound < sign.range.upperBound,
                    "the usual values lie inside the accepted ones: \(sign)")
        }
        let fr = Catalog.load(.french)
        let said = Vitals.describe(Vitals.warnings([.temperature: 42.5, .weight: 1.2]), fr)
        #expect(said == "poids 1,2 kg, température 42,5 °C", "\(said)")
        #expect(FrenchDate.isUnusualBirthDate(CivilDate(unchecked: 1900, 1, 2), today: CivilDate(unchecked: 2026, 12, 2)))
        #expect(!FrenchDate.isUnusualBirthDate(CivilDate(unchecked: 1930, 1, 2), today: CivilDate(unchecked: 2026, 12, 2)))
    }
}
