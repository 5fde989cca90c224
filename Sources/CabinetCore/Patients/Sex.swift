/// A patient's sex as recorded in the identity, with the INS codes:
/// `M`, `F`, and `I` (indéterminé) when the civil status records neither.
public enum Sex: String, Sendable, CaseIterable, Codable, CatalogueMessage {
    case female = "F"
    case male = "M"
    case indeterminate = "I"

    /// What a user may type, in the form and on the command line alike (one
    /// list): F; M (or H); I, the INS code, (or X).
    public static func parse(_ text: String) -> Sex? {
        switch text.trimmingCharacters(in: .whitespaces).uppercased() {
        case "F": return .female
        case "M", "H": return .male
        case "I", "X": return .indeterminate
        default: return nil
        }
    }

    public var messageKey: String {
        switch self {
        case .female: return "sex.female"
        case .male: return "sex.male"
        case .indeterminate: return "sex.indeterminate"
        }
    }
}
