import Foundation

/// The patient file: identities, clinical entries, documents.
public enum PatientError: Error, Equatable, Sendable {
    case notFound(id: Int64)
    case entryNotFound(id: Int64)
    /// The record is limited (frozen) while a contestation is checked.
    case recordLimited
    /// Same names and date of birth as an existing patient.
    case possibleDuplicate(id: Int64)
    case documentTooLarge(maxMegabytes: Int)
    /// A field refused by its rule: the field's name and the message's key.
    case invalidField(field: String, key: String)
    case archived(id: Int64)

    public var exitCode: ExitCode {
        switch self {
        case .notFound, .entryNotFound: return .notFound
        case .recordLimited, .possibleDuplicate, .archived: return .conflict
        case .documentTooLarge, .invalidField: return .usage
        }
    }

    public func message(_ c: Catalog = .current) -> String {
        switch self {
        case .notFound(let id): return c.text("error.patient_not_found", ["id": String(id)])
        case .entryNotFound(let id): return c.text("error.entry_not_found", ["id": String(id)])
        case .recordLimited: return c.text("error.record_limited")
        case .possibleDuplicate(let id): return c.text("error.possible_duplicate", ["id": String(id)])
        case .documentTooLarge(let mb): return c.text("error.document_too_large", ["max": String(mb)])
        case .invalidField(let field, let key):
            return c.text("error.invalid_field", ["field": c.text("patient.field.\(field)"), "message": c.text(key)])
        case .archived(let id): return c.text("error.patient_archived", ["id": String(id)])
        }
    }
}
