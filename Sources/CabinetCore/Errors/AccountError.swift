import Foundation

/// Administration of the accounts (Administration screen, `cabinet user …`).
public enum AccountError: Error, Equatable, Sendable {
    case exists(login: String)
    case invalidLogin(login: String)
    case lastHolder
    case cannotDisableSelf
    case notFound(login: String)
    case secondFactorNotForRole
    case secondFactorAlreadyActive
    case secondFactorNotPending

    public var exitCode: ExitCode {
        switch self {
        case .notFound: return .notFound
        case .secondFactorNotForRole: return .permission
        case .invalidLogin: return .usage
        case .exists, .lastHolder, .cannotDisableSelf, .secondFactorAlreadyActive, .secondFactorNotPending:
            return .conflict
        }
    }

    public func message(_ c: Catalog = .current) -> String {
        switch self {
        case .exists(let login): return c.text("error.account_exists", ["login": login])
        case .invalidLogin(let login): return c.text("error.invalid_login", ["login": login])
        case .lastHolder: return c.text("error.last_holder")
        case .cannotDisableSelf: return c.text("error.disable_self")
        case .notFound(let login): return c.text("error.account_not_found", ["login": login])
        case .secondFactorNotForRole: return c.text("error.totp_role")
        case .secondFactorAlreadyActive: return c.text("error.totp_active")
        case .secondFactorNotPending: return c.text("error.totp_not_pending")
        }
    }
}
