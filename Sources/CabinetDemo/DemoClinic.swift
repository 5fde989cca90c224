import CabinetCore
import CabinetResources
import Foundation

/// Fictitious clinical content of a general practice, drawn so that a
/// record holds together: a consultation's reason, examination, conclusion
/// and prescription come from one scenario; a chronic disease comes with its
/// treatment and its follow-up visits; a scenario fits the patient's age
/// and sex and avoids the drugs the patient is allergic to. The phrases
/// live in `Resources/demo/clinic.fr.json` (French: the demo cabinet is a
/// French practice); none of them is about a real person.
struct DemoClinic: Decodable, Sendable {
    /// One drug of a chronic treatment: the treatment entry and its line on
    /// a prescription.
    struct Treatment: Decodable, Sendable, Hashable {
        let drug: String
        let dosage: String
        let prescription: String
    }

    /// A chronic disease: how common it is by age, and its usual treatments
    /// (each regimen one or more drugs).
    struct Chronic: Decodable, Sendable {
        let id: String
        let label: String
        let minAge: Int
        let femaleFactor: Double?
        /// `[from age, probability]`, by increasing age.
        let prevalence: [[Double]]
        let regimens: [[Treatment]]
        /// The disease raises the blood pressure (its readings are higher).
        let pressure: Bool?
        /// What the disease adds to the adult body-mass index.
        let bmi: Double?

        enum CodingKeys: String, CodingKey {
            case id, label, prevalence, regimens, pressure, bmi
            case minAge = "min_age", femaleFactor = "female_factor"
        }

        func probability(age: Int, sex: Sex) -> Double {
            var p = 0.0
            for band in prevalence where band.count == 2 && Double(age) >= band[0] { p = band[1] }
            return min(1, p * (sex == .female ? femaleFactor ?? 1 : 1))
        }
    }

    /// A kind of visit: reasons, examinations and conclusions that all fit
    /// together (any examination goes with any conclusion of the scenario),
    /// and the prescriptions it may give. A chronic scenario is the
    /// follow-up of that disease: its prescription renews the patient's
    /// chronic treatments.
    struct Scenario: Decodable, Sendable {
        let reasons: [String]
        let examinations: [String]
        let conclusions: [String]
        /// Conclusions when the blood pressure taken that day is high.
        let conclusionsHighPressure: [String]?
        /// Alternative sets of lines (a set may be empty).
        let prescriptions: [[String]]?
        let chronic: String?
        let sex: Sex?
        let minAge: Int?
        let maxAge: Int?
        let weight: Double?
        /// The patient has a fever (the temperature taken shows it).
        let fever: Bool?
        /// The chance that vitals are taken (0.4 when not said).
        let vitals: Double?
        /// Not for a patient allergic to one of these (its drugs).
        let avoidAllergies: [String]?

        enum CodingKeys: String, CodingKey {
            case reasons, examinations, conclusions, prescriptions, chronic, sex, weight, fever, vitals
            case conclusionsHighPressure = "conclusions_high_pressure", minAge = "min_age", maxAge = "max_age"
            case avoidAllergies = "avoid_allergies"
        }

        func fits(age: Int, sex patientSex: Sex) -> Bool {
            age >= (minAge ?? 0) && age <= (maxAge ?? 200) && (sex == nil || sex == patientSex)
        }

        func allows(_ allergies: [String]) -> Bool {
            guard let avoid = avoidAllergies, !allergies.isEmpty else { return true }
            return !avoid.contains(where: allergies.contains)
        }
    }

    /// An antecedent other than a chronic disease (surgery, family history).
    struct Antecedent: Decodable, Sendable {
        let category: String
        let label: String
        let sex: Sex?
        let minAge: Int?
        let chance: Double

        enum CodingKeys: String, CodingKey {
            case category, label, sex, chance
            case minAge = "min_age"
        }
    }

    let chronic: [Chronic]
    let scenarios: [Scenario]
    let antecedents: [Antecedent]
    let allergies: [[String]]
    let letterTitle: String
    let letter: String
    let letterFilename: String

    enum CodingKeys: String, CodingKey {
        case chronic, scenarios, antecedents, allergies, letter
        case letterTitle = "letter_title", letterFilename = "letter_filename"
    }

    static func load() throws -> DemoClinic {
        guard let url = CabinetResources.demoFile("clinic.fr.json"), let data = try? Data(contentsOf: url),
              let clinic = try? JSONDecoder().decode(DemoClinic.self, from: data), clinic.isComplete
        else { throw CabinetError.usage(key: "error.resources_missing") }
        return clinic
    }

    /// Every list the drawing picks from is non-empty, and every chronic
    /// scenario names a disease of the list.
    var isComplete: Bool {
        let ids = Set(chronic.map(\.id))
        return !chronic.isEmpty && chronic.allSatisfy { !$0.regimens.isEmpty && $0.regimens.allSatisfy { !$0.isEmpty } }
            && !scenarios.isEmpty
            && scenarios.allSatisfy { s in
                !s.reasons.isEmpty && !s.examinations.isEmpty && !s.conclusions.isEmpty
                    && (s.chronic.map(ids.contains) ?? true) && s.conclusionsHighPressure?.isEmpty != true
            }
            && !allergies.isEmpty && allergies.allSatisfy { $0.count == 2 }
            // Every age and sex has a scenario that is not a chronic follow-up.
            && [Sex.female, .male, .indeterminate].allSatisfy { sex in
                (0...DemoClinic.oldest).allSatisfy { age in
                    scenarios.contains { $0.chronic == nil && $0.avoidAllergies == nil && $0.fits(age: age, sex: sex) }
                }
            }
    }

    /// The oldest age the drawing tables cover (older patients use it).
    static let oldest = 110

    func letter(patient: String) -> String { letter.replacingOccurrences(of: "{patient}", with: patient) }
}

/// The scenarios a visit draws from, ready for many draws: the acute ones
/// by sex and age, the follow-ups by chronic disease.
struct DemoScenarioTable: Sendable {
    let clinic: DemoClinic
    /// [sex][age] → scenario indices and their cumulative weights.
    private let acute: [[(indices: [Int], cumulative: [Double])]]
    private let followUps: [String: [Int]]

    init(_ clinic: DemoClinic) {
        self.clinic = clinic
        acute = [Sex.female, .male, .indeterminate].map { sex in
            (0...DemoClinic.oldest).map { age in
                let indices = clinic.scenarios.indices.filter {
                    clinic.scenarios[$0].chronic == nil && clinic.scenarios[$0].fits(age: age, sex: sex)
                }
                var total = 0.0
                return (indices, indices.map { total += clinic.scenarios[$0].weight ?? 1; return total })
            }
        }
        var byDisease: [String: [Int]] = [:]
        for (i, s) in clinic.scenarios.enumerated() { if let c = s.chronic { byDisease[c, default: []].append(i) } }
        followUps = byDisease
    }

    private static func row(_ sex: Sex) -> Int { sex == .female ? 0 : sex == .male ? 1 : 2 }

    /// An acute scenario for this age and sex, none the patient's allergies
    /// forbid.
    func acute(_ rng: inout SplitMix64, age: Int, sex: Sex, allergies: [String]) -> DemoClinic.Scenario {
        let (indices, cumulative) = acute[Self.row(sex)][min(max(age, 0), DemoClinic.oldest)]
        for _ in 0..<8 {
            let x = Double(rng.next() >> 11) * 0x1p-53 * (cumulative.last ?? 1)
            let i = indices[cumulative.firstIndex { x < $0 } ?? indices.count - 1]
            if clinic.scenarios[i].allows(allergies) { return clinic.scenarios[i] }
        }
        // `isComplete` made sure one without restriction exists.
        return indices.lazy.map { clinic.scenarios[$0] }.first { $0.allows(allergies) } ?? clinic.scenarios[indices[0]]
    }

    /// A follow-up of `disease` for this age and sex, if there is one.
    func followUp(_ rng: inout SplitMix64, disease: String, age: Int, sex: Sex) -> DemoClinic.Scenario? {
        let fitting = (followUps[disease] ?? []).map { clinic.scenarios[$0] }.filter { $0.fits(age: age, sex: sex) }
        guard !fitting.isEmpty else { return nil }
        return fitting[rng.weighted(fitting.map { $0.weight ?? 1 })]
    }
}

/// A patient's build, drawn once so that successive measurements follow a
/// growth curve and an adult keeps about the same height and weight.
struct DemoBody: Sendable {
    /// Where the patient stands among people of the same age: −1…1.
    let heightZ: Double
    let bmiZ: Double
    /// The body-mass index reached at 30.
    let adultBMI: Double
    let sex: Sex
    let birth: CivilDate
    let hypertensive: Bool

    init(_ rng: inout SplitMix64, sex: Sex, birth: CivilDate, extraBMI: Double, hypertensive: Bool) {
        heightZ = Double(rng.below(201)) / 100 - 1
        bmiZ = Double(rng.below(201)) / 100 - 1
        adultBMI = 20.5 + Double(rng.below(110)) / 10 + extraBMI
        self.sex = sex
        self.birth = birth
        self.hypertensive = hypertensive
    }

    /// Median height (cm) by age in months, both sexes (French growth
    /// curves, rounded): the sexes part from puberty on (`sexFactor`).
    static let heightCurve: [(Double, Double)] = [
        (0, 50), (3, 61), (6, 67), (12, 75), (24, 87), (36, 95), (48, 103), (60, 110), (72, 116), (96, 128),
        (120, 139), (144, 150), (168, 161), (192, 166), (216, 170),
    ]
    /// Median body-mass index by age in months (the adiposity rebound near
    /// six years).
    static let bmiCurve: [(Double, Double)] = [
        (0, 13.3), (6, 17), (12, 17.2), (24, 16.3), (48, 15.5), (72, 15.4), (96, 16), (120, 17), (144, 18.2),
        (168, 19.5), (216, 21.5),
    ]

    static func interpolate(_ curve: [(Double, Double)], _ x: Double) -> Double {
        guard let first = curve.first, let last = curve.last else { return 0 }
        if x <= first.0 { return first.1 }
        if x >= last.0 { return last.1 }
        for i in 1..<curve.count where x < curve[i].0 {
            let (x0, y0) = curve[i - 1], (x1, y1) = curve[i]
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
        }
        return last.1
    }

    func height(months: Double) -> Double {
        let years = months / 12
        let sign: Double = sex == .female ? -1 : sex == .male ? 1 : 0
        let sexFactor = 1 + sign * 0.035 * min(1, max(0, (years - 11) / 7))
        return Self.interpolate(Self.heightCurve, months) * sexFactor * (1 + 0.035 * heightZ)
    }

    func bmi(months: Double) -> Double {
        let child = Self.interpolate(Self.bmiCurve, months) * (1 + 0.08 * bmiZ)
        let toAdult = min(1, max(0, (months / 12 - 18) / 12))
        return child + (adultBMI - child) * toAdult
    }

    /// The measurements of one visit, written as the application writes
    /// them (`Vitals.format`, French: a decimal comma), and whether the
    /// blood pressure is above the usual office threshold (140/90).
    func vitals(_ rng: inout SplitMix64, on day: CivilDate, fever: Bool) -> (fields: [String: String], highPressure: Bool) {
        let days = max(0, day.dayNumber - birth.dayNumber)
        let months = Double(days) / 30.44
        let age = birth.age(on: day)
        let h = height(months: months)
        let w = bmi(months: months) * h * h / 10_000 * (1 + Double(rng.below(41) - 20) / 1000)
        func text(_ v: Double) -> String { Vitals.format(v, language: .french) }
        var f = ["weight": text(w), "height": text(age < 3 ? h : h.rounded())]
        var high = false
        if age >= 18 {
            var sys = hypertensive ? 122 + rng.below(32) : 108 + rng.below(26) + max(0, age - 50) / 3
            var dia = hypertensive ? 72 + rng.below(20) : 62 + rng.below(20)
            sys = max(sys, 95)
            dia = min(dia, sys - 30)
            f["systolic"] = String(sys)
            f["diastolic"] = String(dia)
            high = sys >= 140 || dia >= 90
        }
        let pulse = age < 1 ? 110 + rng.below(40) : age < 6 ? 90 + rng.below(30) : age < 12 ? 75 + rng.below(30) : 58 + rng.below(35)
        f["pulse"] = String(pulse + (fever ? 10 : 0))
        if fever ? rng.chance(0.9) : rng.chance(0.2) {
            f["temperature"] = text(fever ? 38 + Double(rng.below(16)) / 10 : 36.3 + Double(rng.below(10)) / 10)
        }
        return (f, high)
    }
}
