/// A patient's sex as recorded in the identity, with the INS codes:
/// `M`, `F`, and `I` (indéterminé) when the civil status records neither.
public enum Sex: String, Sendable, CaseIterable, Codable, CatalogueMessage {
    case female = "F"
    case male = "M"
    case indeterminate = "I"

    public var messageKey: String {
        switch self {
        case .female: return "sex.female"
        case .male: return "sex.male"
        case .indeterminate: return "sex.indeterminate"
        }
    }
}
