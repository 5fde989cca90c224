/// The confidence status of a patient's identity under the national health
/// identity ("identité nationale de santé", INS).
///
/// The four statuses and their names are those of the "Référentiel national
/// d'identitovigilance" (RNIV, volet 1, ministère chargé de la santé): an
/// identity is *provisoire* until checked; *récupérée* once its INS traits
/// were obtained from the INSi teleservice; *validée* once the traits were
/// checked against a high-trust identity document (passport, national ID
/// card, residence permit…); *qualifiée* when both were done. Only a
/// qualified identity may carry health data referenced by the INS number
/// and be shared with other professionals under it (identito-na.fr,
/// "Dispositifs d'identification" and FAQ; 002 §5 b, l.95, for the INS itself).
public enum INSStatus: String, Sendable, CaseIterable, Codable, CatalogueMessage {
    case provisional = "provisoire"
    case retrieved = "recuperee"
    case validated = "validee"
    case qualified = "qualifiee"

    public var messageKey: String {
        switch self {
        case .provisional: return "ins.status.provisional"
        case .retrieved: return "ins.status.retrieved"
        case .validated: return "ins.status.validated"
        case .qualified: return "ins.status.qualified"
        }
    }

    /// The status that follows from what was done. A doubtful or fictitious
    /// identity stays provisional whatever was done (RNIV: such an identity
    /// cannot be validated).
    public static func status(retrievedFromINSi: Bool, checkedAgainstDocument: Bool,
                              attributes: Set<INSAttribute> = []) -> INSStatus {
        if attributes.contains(.doubtful) || attributes.contains(.fictitious) { return .provisional }
        switch (retrievedFromINSi, checkedAgainstDocument) {
        case (true, true): return .qualified
        case (true, false): return .retrieved
        case (false, true): return .validated
        case (false, false): return .provisional
        }
    }

    /// Whether the INS number may be used to reference and exchange data.
    public var mayShareINS: Bool { self == .qualified }
}

/// The attributes an identity may carry beside its status (RNIV volet 1):
/// a homonym to watch for, a doubt about the traits given, an identity made
/// up on purpose (anonymous care, unknown patient).
public enum INSAttribute: String, Sendable, CaseIterable, Codable, CatalogueMessage {
    case homonym = "homonyme"
    case doubtful = "douteuse"
    case fictitious = "fictive"

    public var messageKey: String {
        switch self {
        case .homonym: return "ins.attribute.homonym"
        case .doubtful: return "ins.attribute.doubtful"
        case .fictitious: return "ins.attribute.fictitious"
        }
    }
}
