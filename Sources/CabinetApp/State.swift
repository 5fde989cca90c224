import CabinetCore
import Foundation
import TerminalUI

/// Who is signed in, as the interface needs it.
public struct SessionInfo: Sendable, Equatable {
    public let login: String
    public let role: Role
    /// Signed in with a one-time passphrase: a new one first.
    public let mustChangePassphrase: Bool
    /// The practice's inactivity delay before the lock, in minutes.
    public let lockAfterMinutes: Int
    public init(login: String, role: Role, mustChangePassphrase: Bool = false, lockAfterMinutes: Int = 10) {
        self.login = login
        self.role = role
        self.mustChangePassphrase = mustChangePassphrase
        self.lockAfterMinutes = lockAfterMinutes
    }
}

/// The forced change after a reset: two entries, never drawn, with the
/// policy's live feedback.
public struct ChangeForm: Sendable, Equatable {
    public enum Field: Int, Sendable { case new, confirm }
    public var new = ""
    public var confirm = ""
    public var focus: Field = .new
    public var message: String?
    public var messageArgs: [String: String] = [:]
    public init() {}
}

/// The sign-in form (passphrase never drawn, wiped once used).
public struct SignInForm: Sendable, Equatable {
    public enum Field: Int, Sendable, CaseIterable { case login, passphrase, totp }
    public var login = ""
    public var passphrase = ""
    public var totp = ""
    public var focus: Field = .login
    public var needsTOTP = false
    /// A catalogue key and its arguments, shown under the form.
    public var message: String?
    public var messageArgs: [String: String] = [:]
    public var busy = false

    public init() {}
}

/// Where the user is.
public enum Route: Sendable, Equatable {
    case signIn
    case changePassphrase
    case main(Module)
    case help(returnTo: Module)
}

/// The whole state of the interface: views are pure functions of it.
public struct AppState: Sendable, Equatable {
    public var route: Route = .signIn
    public var session: SessionInfo?
    public var form = SignInForm()
    public var change = ChangeForm()
    /// The module a locked session returns to, per account: another account
    /// signing in on a locked screen does not see it.
    public var parked: [String: Module] = [:]
    public var lockedBy: String?
    public var now: Date
    public var lastActivity: Date
    public var lockAfter: TimeInterval = 10 * 60
    public var practiceName: String?
    public var isDemo = false
    /// The demo cabinet's published accounts, shown on its sign-in screen.
    public var demoHint: String?
    public var columns = 80
    public var rows = 24
    public var quit = false
    public var status: String?
    public var statusArgs: [String: String] = [:]

    public init(now: Date = Date()) {
        self.now = now
        lastActivity = now
    }

    /// Seconds before the automatic lock.
    public var secondsBeforeLock: Int {
        max(0, Int((lastActivity.addingTimeInterval(lockAfter).timeIntervalSince(now)).rounded(.up)))
    }
}
