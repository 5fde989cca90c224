import Foundation

/// Signing in, passphrases, the second factor and the session itself.
public enum SessionError: Error, Equatable, Sendable {
    case wrongPassphrase
    /// No open session (locked, ended): not a wrong passphrase.
    case notSignedIn
    /// The session's account was disabled from another desk (its key slot
    /// removed): it writes no more, and the interface locks.
    case accountDisabled(login: String)
    case wrongRecoveryKey
    case unknownAccount(login: String)
    case invalidRecoveryKey
    case tooManyAttempts(seconds: Int)
    case secondFactorRequired
    case wrongSecondFactor
    case mustChangePassphrase
    case passphraseTooWeak(problems: [PassphraseProblem])
    case passphraseMismatch
    case emptyPassphrase

    public var exitCode: ExitCode {
        switch self {
        case .passphraseTooWeak, .passphraseMismatch, .emptyPassphrase: return .usage
        default: return .authentication
        }
    }

    public func message(_ c: Catalog = .current) -> String {
        switch self {
        case .wrongPassphrase: return c.text("error.wrong_passphrase")
        case .notSignedIn: return c.text("error.not_signed_in")
        case .accountDisabled(let login): return c.text("error.account_disabled", ["login": login])
        case .wrongRecoveryKey: return c.text("error.wrong_recovery_key")
        case .unknownAccount(let login): return c.text("error.unknown_account", ["login": login])
        case .invalidRecoveryKey: return c.text("error.recovery_key_format")
        case .tooManyAttempts(let seconds): return c.text("error.too_many_attempts", ["seconds": String(seconds)])
        case .secondFactorRequired: return c.text("error.totp_required")
        case .wrongSecondFactor: return c.text("error.totp_wrong")
        case .mustChangePassphrase: return c.text("error.must_change")
        case .passphraseTooWeak(let problems):
            let list = problems.map { "  - " + c.text($0.messageKey) }.joined(separator: "\n")
            let advice = problems.contains(where: { $0.isGuessability }) ? "\n" + c.text("policy.advice") : ""
            return c.text("error.passphrase_weak") + "\n" + list + advice
        case .passphraseMismatch: return c.text("error.passphrase_mismatch")
        case .emptyPassphrase: return c.text("error.passphrase_empty")
        }
    }
}
