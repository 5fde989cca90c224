import CabinetCore
import Foundation

/// An error kept in the state as an error, not as words: the view words it
/// with the session's catalogue when it draws (an account's language, or a
/// language changed after the error, shows at once). Never written to a
/// draft: it encodes as nothing and reads back as none.
public struct KeptError: Codable, Equatable, Sendable {
    public let error: CabinetError

    public init(_ error: CabinetError) { self.error = error }

    public init(from decoder: any Decoder) throws {
        throw DecodingError.valueNotFound(CabinetError.self, .init(codingPath: decoder.codingPath,
                                                                  debugDescription: "errors are not kept in drafts"))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encodeNil()
    }
}

/// What keeps a message: its catalogue key and arguments, and the error it
/// reports when it reports one (`message` set anew forgets it).
protocol KeepsMessage {
    var message: String? { get set }
    var messageArgs: [String: String] { get set }
    var failure: KeptError? { get set }
}

extension KeepsMessage {
    /// Shows `error`, kept typed.
    mutating func show(_ error: CabinetError, key: String = "signin.error") {
        message = key
        messageArgs = [:]
        failure = KeptError(error)
    }
}

extension Catalog {
    /// A message kept in the state, in this catalogue's language: the error
    /// it reports (if any) worded here, as its `{message}`.
    func notice(_ key: String, _ args: [String: String], _ failure: KeptError?) -> String {
        var all = args
        if let failure { all["message"] = failure.error.message(self) }
        return text(key, all)
    }
}
