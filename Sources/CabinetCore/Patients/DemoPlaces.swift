/// A French commune for demo identities: where people are born and live.
struct DemoCommune: Sendable {
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
}

/// A country of birth abroad, with its INSEE country code (the NIR's
/// commune part after department 99).
struct DemoCountry: Sendable {
    let city: String
    let country: String
    let code: String
}

enum DemoPlaces {
    static let communes: [DemoCommune] = [
        DemoCommune("Paris", "75", "101", "75001", arrondissements: 20),
        DemoCommune("Marseille", "13", "201", "13001", arrondissements: 16),
        DemoCommune("Lyon", "69", "381", "69001", arrondissements: 9),
        DemoCommune("Toulouse", "31", "555", "31000"), DemoCommune("Nice", "06", "088", "06000"),
        DemoCommune("Nantes", "44", "109", "44000"), DemoCommune("Strasbourg", "67", "482", "67000"),
        DemoCommune("Montpellier", "34", "172", "34000"), DemoCommune("Bordeaux", "33", "063", "33000"),
        DemoCommune("Lille", "59", "350", "59000"), DemoCommune("Rennes", "35", "238", "35000"),
        DemoCommune("Reims", "51", "454", "51100"), DemoCommune("Le Havre", "76", "351", "76600"),
        DemoCommune("Saint-Étienne", "42", "218", "42000"), DemoCommune("Toulon", "83", "137", "83000"),
        DemoCommune("Grenoble", "38", "185", "38000"), DemoCommune("Dijon", "21", "231", "21000"),
        DemoCommune("Angers", "49", "007", "49000"), DemoCommune("Nîmes", "30", "189", "30000"),
        DemoCommune("Villeurbanne", "69", "266", "69100"), DemoCommune("Clermont-Ferrand", "63", "113", "63000"),
        DemoCommune("Le Mans", "72", "181", "72000"), DemoCommune("Aix-en-Provence", "13", "001", "13100"),
        DemoCommune("Brest", "29", "019", "29200"), DemoCommune("Tours", "37", "261", "37000"),
        DemoCommune("Amiens", "80", "021", "80000"), DemoCommune("Limoges", "87", "085", "87000"),
        DemoCommune("Annecy", "74", "010", "74000"), DemoCommune("Perpignan", "66", "136", "66000"),
        DemoCommune("Metz", "57", "463", "57000"), DemoCommune("Besançon", "25", "056", "25000"),
        DemoCommune("Orléans", "45", "234", "45000"), DemoCommune("Rouen", "76", "540", "76000"),
        DemoCommune("Mulhouse", "68", "224", "68100"), DemoCommune("Caen", "14", "118", "14000"),
        DemoCommune("Nancy", "54", "395", "54000"), DemoCommune("Argenteuil", "95", "018", "95100"),
        DemoCommune("Montreuil", "93", "048", "93100"), DemoCommune("Saint-Denis", "93", "066", "93200"),
        DemoCommune("Avignon", "84", "007", "84000"), DemoCommune("Poitiers", "86", "194", "86000"),
        DemoCommune("Pau", "64", "445", "64000"), DemoCommune("La Rochelle", "17", "300", "17000"),
        DemoCommune("Ajaccio", "2A", "004", "20000"), DemoCommune("Bastia", "2B", "033", "20200"),
        DemoCommune("Béziers", "34", "032", "34500"), DemoCommune("Quimper", "29", "232", "29000"),
        DemoCommune("Valence", "26", "362", "26000"), DemoCommune("Troyes", "10", "387", "10000"),
        DemoCommune("Chambéry", "73", "065", "73000"), DemoCommune("Lorient", "56", "121", "56100"),
        DemoCommune("Niort", "79", "191", "79000"), DemoCommune("Vannes", "56", "260", "56000"),
        DemoCommune("Saint-Malo", "35", "288", "35400"), DemoCommune("Colmar", "68", "066", "68000"),
        DemoCommune("Bayonne", "64", "102", "64100"), DemoCommune("Brive-la-Gaillarde", "19", "031", "19100"),
        DemoCommune("Carcassonne", "11", "069", "11000"), DemoCommune("Albi", "81", "004", "81000"),
        DemoCommune("Auxerre", "89", "024", "89000"), DemoCommune("Blois", "41", "018", "41000"),
        DemoCommune("Châteauroux", "36", "044", "36000"), DemoCommune("Nevers", "58", "194", "58000"),
        DemoCommune("Laval", "53", "130", "53000"), DemoCommune("Saint-Brieuc", "22", "278", "22000"),
        DemoCommune("Angoulême", "16", "015", "16000"), DemoCommune("Agen", "47", "001", "47000"),
        DemoCommune("Périgueux", "24", "322", "24000"), DemoCommune("Montauban", "82", "121", "82000"),
        DemoCommune("Tarbes", "65", "440", "65000"), DemoCommune("Gap", "05", "061", "05000"),
        DemoCommune("Belfort", "90", "010", "90000"), DemoCommune("Épinal", "88", "160", "88000"),
        DemoCommune("Bourg-en-Bresse", "01", "053", "01000"), DemoCommune("Mâcon", "71", "270", "71000"),
        DemoCommune("Évreux", "27", "229", "27000"), DemoCommune("Chartres", "28", "085", "28000"),
        DemoCommune("Beauvais", "60", "057", "60000"), DemoCommune("Arras", "62", "041", "62000"),
        DemoCommune("Roubaix", "59", "512", "59100"), DemoCommune("Tourcoing", "59", "599", "59200"),
        DemoCommune("Dunkerque", "59", "183", "59140"), DemoCommune("Calais", "62", "193", "62100"),
        DemoCommune("Versailles", "78", "646", "78000"), DemoCommune("Nanterre", "92", "050", "92000"),
        DemoCommune("Créteil", "94", "028", "94000"), DemoCommune("Melun", "77", "288", "77000"),
        DemoCommune("Meaux", "77", "284", "77100"), DemoCommune("Saint-Jean-de-Luz", "64", "483", "64500"),
        DemoCommune("Vitré", "35", "360", "35500"), DemoCommune("Sète", "34", "301", "34200"),
        DemoCommune("Honfleur", "14", "333", "14600"), DemoCommune("Cognac", "16", "102", "16100"),
        DemoCommune("Millau", "12", "145", "12100"), DemoCommune("Lourdes", "65", "286", "65100"),
        DemoCommune("Dole", "39", "198", "39100"), DemoCommune("Arles", "13", "004", "13200"),
        DemoCommune("Menton", "06", "083", "06500"), DemoCommune("Thonon-les-Bains", "74", "281", "74200"),
        DemoCommune("Saint-Nazaire", "44", "184", "44600"), DemoCommune("Cholet", "49", "099", "49300"),
        DemoCommune("Pointe-à-Pitre", "971", "20", "97110"), DemoCommune("Fort-de-France", "972", "09", "97200"),
        DemoCommune("Cayenne", "973", "02", "97300"), DemoCommune("Saint-Denis", "974", "11", "97400"),
        DemoCommune("Mamoudzou", "976", "11", "97600"),
    ]

    static let abroad: [DemoCountry] = [
        DemoCountry(city: "Alger", country: "Algérie", code: "352"),
        DemoCountry(city: "Oran", country: "Algérie", code: "352"),
        DemoCountry(city: "Casablanca", country: "Maroc", code: "350"),
        DemoCountry(city: "Tunis", country: "Tunisie", code: "351"),
        DemoCountry(city: "Porto", country: "Portugal", code: "139"),
        DemoCountry(city: "Naples", country: "Italie", code: "127"),
        DemoCountry(city: "Madrid", country: "Espagne", code: "134"),
        DemoCountry(city: "Liège", country: "Belgique", code: "131"),
        DemoCountry(city: "Stuttgart", country: "Allemagne", code: "109"),
        DemoCountry(city: "Londres", country: "Royaume-Uni", code: "132"),
        DemoCountry(city: "Genève", country: "Suisse", code: "140"),
        DemoCountry(city: "Cracovie", country: "Pologne", code: "122"),
        DemoCountry(city: "Bucarest", country: "Roumanie", code: "114"),
        DemoCountry(city: "Istanbul", country: "Turquie", code: "208"),
        DemoCountry(city: "Dakar", country: "Sénégal", code: "341"),
        DemoCountry(city: "Bamako", country: "Mali", code: "335"),
        DemoCountry(city: "Douala", country: "Cameroun", code: "322"),
        DemoCountry(city: "Abidjan", country: "Côte d'Ivoire", code: "326"),
    ]

    static let streetTypes: [(String, Int)] = [
        ("rue", 55), ("avenue", 12), ("boulevard", 6), ("impasse", 6), ("allée", 6),
        ("chemin", 5), ("place", 4), ("route", 3), ("quai", 1), ("square", 1), ("cours", 1),
    ]

    static let streetTypeWeights = streetTypes.map { Double($0.1) }

    static let streetNames: [String] = [
        "de la République", "Victor-Hugo", "Jean-Jaurès", "du Général-de-Gaulle", "Pasteur",
        "de la Gare", "des Écoles", "de l'Église", "du Moulin", "Émile-Zola", "des Lilas",
        "des Tilleuls", "du Château", "de la Mairie", "Gambetta", "Voltaire", "Jules-Ferry",
        "de Verdun", "de la Paix", "du Stade", "des Acacias", "des Peupliers", "Jean-Moulin",
        "Pierre-et-Marie-Curie", "de la Liberté", "Anatole-France", "de Bretagne", "de Provence",
        "des Vignes", "du Port", "des Roses", "de la Fontaine", "Carnot", "du Maréchal-Foch",
        "Georges-Clemenceau", "Aristide-Briand", "des Cerisiers", "de l'Abbaye", "du Marché",
        "Lamartine", "Paul-Verlaine", "George-Sand", "Simone-Veil", "de Normandie",
        "des Mésanges", "du Bois", "des Prés", "de la Forêt", "du Lavoir", "des Jardins",
        "des Frères-Lumière", "Condorcet", "de l'Hôtel-de-Ville", "des Chênes", "du Onze-Novembre",
        "Saint-Exupéry", "Louise-Michel", "de la Croix-Blanche", "des Bleuets", "du Pré-Vert",
    ]

    static let secondLines: [String] = [
        "Résidence Les Tilleuls, bât. B", "Appartement 12", "Bâtiment C, escalier 2",
        "Résidence du Parc", "Lieu-dit La Croix", "Appartement 3, 2e étage", "Les Jardins d'Éole",
    ]

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
