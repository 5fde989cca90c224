import CabinetCore
import Foundation
/// SplitMix64 (S. Vigna, 2015): a small, fast, seedable generator. The
/// demo data must be the same for the same seed on every machine and
/// Swift version, so the generator and the ways numbers are drawn from it
/// (`below`, `chance`) are written here rather than taken from the
/// standard library, whose algorithms may change.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in 0..<n (n > 0), by multiply-shift (bias below 2⁻³², no
    /// consequence for demo data).
    public mutating func below(_ n: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(max(n, 1))).high)
    }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool {
        Double(next() >> 11) * 0x1p-53 < p
    }

    /// One element of a non-empty array.
    public mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// An index drawn with the given weights.
    public mutating func weighted(_ weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        var x = Double(next() >> 11) * 0x1p-53 * total
        for (i, w) in weights.enumerated() {
            if x < w { return i }
            x -= w
        }
        return weights.count - 1
    }
}

/// A postal address.
public struct DemoAddress: Sendable, Hashable {
    /// `12 bis rue Victor-Hugo`.
    public let line1: String
    /// `Résidence du Parc`, sometimes.
    public let line2: String?
    public let postcode: String
    public let city: String
}

/// A fictitious but realistic French identity, for demos and tests
/// (002 l.293: test on fictitious data).
public struct DemoIdentity: Sendable, Hashable {
    public let birthName: String
    /// The name in use ("nom d'usage"), when it differs: a spouse's name,
    /// or both names joined.
    public let usedName: String?
    /// Civil-status first names, the first one being the usual one.
    public let firstNames: [String]
    public let sex: Sex
    public let birthDate: CivilDate
    /// `Lyon 3e`, `Quimper`, `Alger (Algérie)`.
    public let birthPlace: String
    public let address: DemoAddress
    /// Landline, from the ARCEP's fiction blocks (`01 99 00 12 34`).
    public let phone: String?
    /// Mobile, from the ARCEP's fiction block `06 39 98`.
    public let mobile: String?
    /// At example.org, example.com or example.net only.
    public let email: String?
    /// Consistent with sex, date and place of birth, with a correct key.
    public let nir: NIR
    public let insStatus: INSStatus

    /// The INS number ("matricule INS"): the person's own NIR, as the INSi
    /// teleservice returns it. Present exactly when the status says the
    /// identity was retrieved from INSi (retrieved, qualified); a
    /// provisional identity, or one only checked against a document
    /// (validated), has none (RNIV volet 1).
    public var ins: String? { insStatus == .retrieved || insStatus == .qualified ? nir.value : nil }

    /// The search key of the names, as it would be stored.
    public var searchKey: PatientSearchKey {
        PatientSearchKey(birthName: birthName, usedName: usedName, firstNames: firstNames)
    }
}

/// Generates demo identities: deterministic (the same seed and day give
/// the same list), fast (50 000 in a fraction of a second in release), and
/// fictitious: names are drawn independently from lists of common words,
/// phone numbers from the blocks reserved for fiction, e-mail addresses in
/// the domains reserved for examples (RFC 2606). The NIRs are well formed
/// and consistent with the identity but drawn at random.
///
/// Mixes meant to exercise the software: accents (Lefèvre, Hélène, Noël,
/// Françoise), hyphenated first names and surnames (Jean-Pierre,
/// Martin-Dubois), particles (de La Fontaine, D'Angelo), used names for
/// about half of adult women, births in Corsica, overseas and abroad, and
/// homonyms: about 3 % of identities take the birth name and first name of
/// an earlier one, with another date of birth.
public enum DemoIdentities {
    /// Throws when the lists' data file (`Resources/demo`) is missing.
    public static func generate(count: Int, seed: UInt64, today: CivilDate) throws -> [DemoIdentity] {
        _ = try DemoLists.require()
        var rng = SplitMix64(seed: seed)
        let home = rng.pick(DemoPlaces.communes.filter { $0.department.count == 2 })
        var result: [DemoIdentity] = []
        result.reserveCapacity(max(count, 0))
        // Recent identities of each sex (women, men), for homonyms.
        var recent: [[Int]] = [[], []]
        for _ in 0..<max(count, 0) {
            let sex: Sex = rng.chance(0.515) ? .female : .male
            var birthDate = drawBirthDate(&rng, today: today)
            var birthName = drawSurname(&rng)
            var firstNames = drawFirstNames(&rng, sex: sex, birthYear: birthDate.year)
            let pool = recent[sex == .female ? 0 : 1]
            if !pool.isEmpty, rng.chance(0.03) {
                let twin = result[pool[rng.below(pool.count)]]
                birthName = twin.birthName
                firstNames[0] = twin.firstNames[0]
                firstNames = dedupe(firstNames)
                // Same names, another date of birth.
                for _ in 0..<20 where birthDate == twin.birthDate {
                    birthDate = drawBirthDate(&rng, today: today)
                }
            }
            let age = birthDate.age(on: today)
            let usedName = drawUsedName(&rng, sex: sex, age: age, birthName: birthName)

            let (birthPlace, department, commune) = drawBirthPlace(&rng, home: home)
            let (address, residence) = drawAddress(&rng, home: home)
            var phone: String?
            var mobile: String?
            let wantsLandline = rng.chance(age >= 60 ? 0.7 : 0.35)
            if rng.chance(age >= 12 ? 0.88 : 0.5) || !wantsLandline {
                mobile = DemoPlaces.fictionMobileBlock + " " + fourDigits(&rng)
            }
            if wantsLandline {
                let area = DemoPlaces.landlineArea(department: residence.department)
                phone = DemoPlaces.fictionLandlineBlocks[area - 1] + " " + fourDigits(&rng)
            }
            var email: String?
            if age >= 15 && rng.chance(0.65) {
                email = makeEmail(&rng, first: firstNames[0], last: usedName ?? birthName)
            }
            let nir = makeNIR(&rng, sex: sex, birthDate: birthDate, department: department, commune: commune)
            let ins = INSStatus.allCases[rng.weighted([20, 15, 10, 55])]

            let s = sex == .female ? 0 : 1
            recent[s].append(result.count)
            if recent[s].count > 128 { recent[s].removeFirst(64) }
            result.append(DemoIdentity(
                birthName: birthName, usedName: usedName, firstNames: firstNames, sex: sex,
                birthDate: birthDate, birthPlace: birthPlace, address: address,
                phone: phone, mobile: mobile, email: email, nir: nir, insStatus: ins))
        }
        return result
    }

    // MARK: Drawing the parts

    /// Ages by five-year band, roughly the French age pyramid (INSEE),
    /// 0–4 to 95–99, then a few centenarians.
    static let ageBandWeights: [Double] = [
        5.0, 5.5, 6.0, 6.0, 5.5, 5.5, 6.0, 6.3, 6.3, 6.5,
        6.7, 6.5, 6.2, 5.8, 5.4, 3.8, 2.9, 2.0, 0.9, 0.3, 0.05,
    ]

    static func drawBirthDate(_ rng: inout SplitMix64, today: CivilDate) -> CivilDate {
        let band = rng.weighted(ageBandWeights)
        let years = band == 20 ? 100 + rng.below(2) : band * 5 + rng.below(5)
        let daysAgo = years * 36524 / 100 + rng.below(365)
        let earliest = FrenchDate.earliestBirthDate.dayNumber
        let day = max(today.dayNumber - daysAgo, earliest)
        return CivilDate(dayNumber: day) ?? today
    }

    static func drawSurname(_ rng: inout SplitMix64) -> String {
        switch rng.weighted([90, 5, 2, 3]) {
        case 1: return rng.pick(DemoNames.particleSurnames)
        case 2: return rng.pick(DemoNames.hyphenatedSurnames)
        case 3:
            let a = rng.pick(DemoNames.surnames), b = rng.pick(DemoNames.surnames)
            return a == b ? a : a + "-" + b
        default: return rng.pick(DemoNames.surnames)
        }
    }

    static func drawFirstNames(_ rng: inout SplitMix64, sex: Sex, birthYear: Int) -> [String] {
        let (older, middle, younger) = sex == .female
            ? (DemoNames.femaleOlder, DemoNames.femaleMiddle, DemoNames.femaleYounger)
            : (DemoNames.maleOlder, DemoNames.maleMiddle, DemoNames.maleYounger)
        let era = birthYear < 1965 ? older : birthYear < 2000 ? middle : younger
        var names = [rng.chance(0.85) ? rng.pick(era) : rng.pick(rng.chance(0.5) ? older : middle)]
        let count = 1 + rng.weighted([35, 45, 20])
        // Second and third names: often the grandparents' generation.
        while names.count < count {
            let next = rng.pick(rng.chance(0.6) ? older : era)
            if !names.contains(next) { names.append(next) }
        }
        return names
    }

    static func drawUsedName(_ rng: inout SplitMix64, sex: Sex, age: Int, birthName: String) -> String? {
        guard age >= 20, rng.chance(sex == .female ? 0.45 : 0.02) else { return nil }
        let spouse = drawSurname(&rng)
        guard spouse != birthName else { return nil }
        return rng.chance(0.15) ? birthName + "-" + spouse : spouse
    }

    /// Place of birth as displayed, and the NIR's department and commune.
    static func drawBirthPlace(_ rng: inout SplitMix64, home: DemoCommune) -> (String, String, String) {
        if rng.chance(0.10) {
            let abroad = rng.pick(DemoPlaces.abroad)
            return ("\(abroad.city) (\(abroad.country))", "99", abroad.code)
        }
        let commune = rng.chance(0.3) ? home : rng.pick(DemoPlaces.communes)
        let (name, code, _) = arrondissement(&rng, commune)
        return (name, commune.department, code)
    }

    /// Name, INSEE code and postcode, by arrondissement where there are some.
    static func arrondissement(_ rng: inout SplitMix64, _ commune: DemoCommune) -> (String, String, String) {
        guard commune.arrondissements > 0 else { return (commune.name, commune.code, commune.postcode) }
        let n = rng.below(commune.arrondissements)
        let code = pad((Int(commune.code) ?? 0) + n, 3)
        let postcode = pad((Int(commune.postcode) ?? 0) + n, 5)
        return ("\(commune.name) \(n + 1)\(n == 0 ? "er" : "e")", code, postcode)
    }

    static func drawAddress(_ rng: inout SplitMix64, home: DemoCommune) -> (DemoAddress, DemoCommune) {
        let commune = rng.chance(0.55) ? home : rng.pick(DemoPlaces.communes)
        var number = String(1 + rng.below(rng.chance(0.7) ? 40 : 180))
        if rng.chance(0.05) { number += rng.chance(0.7) ? " bis" : " ter" }
        let type = DemoPlaces.streetTypes[rng.weighted(DemoPlaces.streetTypeWeights)].0
        let street = rng.pick(DemoPlaces.streetNames)
        let line2 = rng.chance(0.08) ? rng.pick(DemoPlaces.secondLines) : nil
        let (_, _, postcode) = arrondissement(&rng, commune)
        let address = DemoAddress(line1: "\(number) \(type) \(street)", line2: line2,
                                  postcode: postcode, city: commune.name)
        return (address, commune)
    }

    static func fourDigits(_ rng: inout SplitMix64) -> String {
        let n = rng.below(10_000)
        return pad(n / 100, 2) + " " + pad(n % 100, 2)
    }

    static func makeEmail(_ rng: inout SplitMix64, first: String, last: String) -> String {
        let f = SearchText.fold(first).hyphenatingSpaces()
        let l = SearchText.fold(last).hyphenatingSpaces()
        var local = rng.chance(0.8) ? "\(f).\(l)" : "\(f.prefix(1)).\(l)"
        if rng.chance(0.3) { local += pad(rng.below(100), 2) }
        return local + "@" + rng.pick(DemoPlaces.emailDomains)
    }

    static func makeNIR(_ rng: inout SplitMix64, sex: Sex, birthDate: CivilDate,
                        department: String, commune: String) -> NIR {
        let first13 = (sex == .female ? "2" : "1") + pad(birthDate.year % 100, 2) + pad(birthDate.month, 2)
            + department + commune + pad(1 + rng.below(999), 3)
        // Valid by construction (the tests check every generated number).
        return NIR(trusted: first13 + pad(NIR.key(for: first13) ?? 0, 2))
    }

    private static func dedupe(_ names: [String]) -> [String] {
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }
}

extension String {
    /// Folded text with its spaces as hyphens (`le-goff`).
    func hyphenatingSpaces() -> String {
        String(decoding: utf8.map { $0 == 0x20 ? 0x2D : $0 }, as: UTF8.self)
    }
}
