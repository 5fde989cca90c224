import Foundation

/// The appointment book.
public enum AgendaError: Error, Equatable, Sendable {
    /// An appointment already holds that time.
    case conflict(id: Int64, patient: String, start: Date)
    /// Refused (past, duration, a time that does not exist).
    case bookingRefused(key: String, args: [String: String])
    /// Outside hours, in an absence, a deceased patient: a doctor may force.
    case bookingNeedsForce(key: String, args: [String: String])
    case notFound(id: Int64)

    public var exitCode: ExitCode {
        switch self {
        case .conflict, .bookingNeedsForce: return .conflict
        case .bookingRefused: return .usage
        case .notFound: return .notFound
        }
    }

    public func message(_ c: Catalog = .current) -> String {
        switch self {
        case .conflict(let id, let patient, let start):
            let df = DateFormatter()
            df.timeZone = TimeZone(identifier: "Europe/Paris")
            df.dateFormat = "dd/MM/yyyy HH:mm"
            return c.text("error.appointment_conflict", ["id": String(id), "patient": patient, "start": df.string(from: start)])
        case .bookingRefused(let key, let args): return c.text(key, args)
        case .bookingNeedsForce(let key, let args): return c.text(key, args) + " " + c.text("error.booking_force")
        case .notFound(let id): return c.text("error.appointment_not_found", ["id": String(id)])
        }
    }
}
