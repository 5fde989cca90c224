/// Something shown to the user through one catalogue entry: a problem with
/// what was typed, a warning, a label.
///
/// Messages say what is wrong and how to fix it, never the value typed
/// (a number or a name must not travel into logs or screenshots through an
/// error message). Arguments, when there are any, are limits such as a
/// maximum length.
public protocol CatalogueMessage: Sendable {
    /// The catalogue key (`Resources/strings/*.json`).
    var messageKey: String { get }
    /// The text in the catalogue's language.
    func message(_ catalog: Catalog) -> String
}

extension CatalogueMessage {
    public func message(_ catalog: Catalog) -> String { catalog.text(messageKey) }
    /// The text in the current environment's language.
    public func message() -> String { message(.current) }
}
