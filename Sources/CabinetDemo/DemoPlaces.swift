import CabinetCore
import Foundation
/// A French commune for demo identities: where people are born and live.
struct DemoCommune: Decodable, Sendable {
    let name: String
    /// `75`, `2A`, `971`.
    let department: String
    /// The INSEE commune code without the department: three digits, two
    /// overseas (Pointe-à-Pitre, 97120 → `971` + `20`).
    let code: String
    let postcode: String
    /// Paris, Lyon and Marseille: births and addresses are by arrondissement
    /// (INSEE codes from `code` upward, postcodes from `postcode` upward).
    let arrondissements: Int

    init(_ name: String, _ department: String, _ code: String, _ postcode: String, arrondissements: Int = 0) {
        self.name = name
        self.department = department
        self.code = code
        self.postcode = postcode
        self.arrondissements = arrondissements
    }

    /// Stored as `["Paris", "75", "101", "75001", 20]` (0: no arrondissements).
    init(from decoder: any Decoder) throws {
        var c = try decoder.unkeyedContainer()
        self.init(try c.decode(String.self), try c.decode(String.self), try c.decode(String.self), try c.decode(String.self),
                  arrondissements: try c.decode(Int.self))
    }
}

/// A country of birth abroad, with its INSEE country code (the NIR's
/// commune part after department 99).
struct DemoCountry: Decodable, Sendable {
    let city: String
    let country: String
    let code: String

    /// Stored as `["Alger", "Algérie", "352"]`.
    init(from decoder: any Decoder) throws {
        var c = try decoder.unkeyedContainer()
        city = try c.decode(String.self)
        country = try c.decode(String.self)
        code = try c.decode(String.self)
    }
}

enum DemoPlaces {
    static var communes: [DemoCommune] { DemoLists.loaded?.communes ?? [] }

    static var abroad: [DemoCountry] { DemoLists.loaded?.abroad ?? [] }

    static var streetTypes: [(String, Int)] { (DemoLists.loaded?.streetTypes ?? []).map { ($0.name, $0.weight) } }

    static let streetTypeWeights = streetTypes.map { Double($0.1) }

    static var streetNames: [String] { DemoLists.loaded?.streetNames ?? [] }

    static var secondLines: [String] { DemoLists.loaded?.secondLines ?? [] }

    /// The first two digits of a landline in the department, by the five
    /// areas of the numbering plan (01 Île-de-France, 02 north-west and
    /// Réunion/Mayotte, 03 north-east, 04 south-east and Corsica, 05
    /// south-west and the Antilles/Guiana).
    static func landlineArea(department: String) -> Int {
        switch department {
        case "75", "77", "78", "91", "92", "93", "94", "95": return 1
        case "14", "18", "22", "27", "28", "29", "35", "36", "37", "41", "44", "45", "49", "50",
             "53", "56", "61", "72", "76", "85", "974", "976": return 2
        case "02", "08", "10", "21", "25", "39", "51", "52", "54", "55", "57", "58", "59", "60",
             "62", "67", "68", "70", "71", "80", "88", "89", "90": return 3
        case "09", "12", "16", "17", "19", "23", "24", "31", "32", "33", "40", "46", "47", "64",
             "65", "79", "81", "82", "86", "87", "971", "972", "973": return 5
        default: return 4
        }
    }

    /// The blocks of 10 000 numbers the ARCEP keeps for fiction (films,
    /// series, books…), one per landline area and one mobile block; no
    /// subscriber can ever hold them. There is no such block in 07. Source:
    /// fr.wikipedia.org "Plan de numérotation en France", § Les numéros
    /// réservés pour les œuvres audiovisuelles (ARCEP).
    static let fictionLandlineBlocks = ["01 99 00", "02 61 91", "03 53 01", "04 65 71", "05 36 49"]
    static let fictionMobileBlock = "06 39 98"

    static let emailDomains = ["example.org", "example.com", "example.net"]
}
