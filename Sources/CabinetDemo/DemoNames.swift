import CabinetCore
import CabinetResources
import Foundation

/// The lists the demo identities are drawn from: common French surnames and
/// first names by generation, communes, countries of birth, streets. Written
/// for this generator (no list comes from a real register) and kept as data
/// in `Resources/demo/identities.fr.json`, read once.
struct DemoLists: Decodable, Sendable {
    let surnames, particleSurnames, hyphenatedSurnames: [String]
    let maleOlder, maleMiddle, maleYounger, femaleOlder, femaleMiddle, femaleYounger: [String]
    let communes: [DemoCommune]
    let abroad: [DemoCountry]
    let streetTypes: [DemoStreetType]
    let streetNames, secondLines: [String]

    enum CodingKeys: String, CodingKey {
        case surnames, communes, abroad
        case particleSurnames = "particle_surnames", hyphenatedSurnames = "hyphenated_surnames"
        case maleOlder = "male_older", maleMiddle = "male_middle", maleYounger = "male_younger"
        case femaleOlder = "female_older", femaleMiddle = "female_middle", femaleYounger = "female_younger"
        case streetTypes = "street_types", streetNames = "street_names", secondLines = "second_lines"
    }

    static let loaded: DemoLists? = {
        guard let url = CabinetResources.demoFile("identities.fr.json"), let data = try? Data(contentsOf: url),
              let lists = try? JSONDecoder().decode(DemoLists.self, from: data)
        else { return nil }
        let all = [lists.surnames, lists.particleSurnames, lists.hyphenatedSurnames, lists.maleOlder, lists.maleMiddle,
                   lists.maleYounger, lists.femaleOlder, lists.femaleMiddle, lists.femaleYounger, lists.streetNames,
                   lists.secondLines]
        guard all.allSatisfy({ !$0.isEmpty }), !lists.abroad.isEmpty, !lists.streetTypes.isEmpty,
              lists.communes.contains(where: { $0.department.count == 2 })
        else { return nil }
        return lists
    }()

    /// The lists, or a clear error when the file is missing or damaged.
    static func require() throws -> DemoLists {
        guard let loaded else { throw CabinetError.usage(key: "error.resources_missing") }
        return loaded
    }
}

/// A kind of street and how often it comes up.
struct DemoStreetType: Decodable, Sendable {
    let name: String
    let weight: Int

    /// Stored as `["rue", 55]`.
    init(from decoder: any Decoder) throws {
        var c = try decoder.unkeyedContainer()
        name = try c.decode(String.self)
        weight = try c.decode(Int.self)
    }
}

/// The name lists (empty only when the data file is missing, which
/// `DemoIdentities.generate` reports before drawing anything).
enum DemoNames {
    static var surnames: [String] { DemoLists.loaded?.surnames ?? [] }
    static var particleSurnames: [String] { DemoLists.loaded?.particleSurnames ?? [] }
    static var hyphenatedSurnames: [String] { DemoLists.loaded?.hyphenatedSurnames ?? [] }
    static var maleOlder: [String] { DemoLists.loaded?.maleOlder ?? [] }
    static var maleMiddle: [String] { DemoLists.loaded?.maleMiddle ?? [] }
    static var maleYounger: [String] { DemoLists.loaded?.maleYounger ?? [] }
    static var femaleOlder: [String] { DemoLists.loaded?.femaleOlder ?? [] }
    static var femaleMiddle: [String] { DemoLists.loaded?.femaleMiddle ?? [] }
    static var femaleYounger: [String] { DemoLists.loaded?.femaleYounger ?? [] }
}
