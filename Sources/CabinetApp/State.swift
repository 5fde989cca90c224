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
    /// The doctor's name, for the title bar.
    public let practiceName: String?
    /// The account's language, when it chose one.
    public let language: Language?
    /// Unsaved input kept (sealed) at this account's last lock.
    public let draft: Data?
    public let hasSecondFactor: Bool
    public init(login: String, role: Role, mustChangePassphrase: Bool = false, lockAfterMinutes: Int = 10,
                practiceName: String? = nil, language: Language? = nil, draft: Data? = nil, hasSecondFactor: Bool = false) {
        self.login = login
        self.role = role
        self.mustChangePassphrase = mustChangePassphrase
        self.lockAfterMinutes = lockAfterMinutes
        self.practiceName = practiceName
        self.language = language
        self.draft = draft
        self.hasSecondFactor = hasSecondFactor
    }

    /// The same session without its draft (once restored) or one-time flag.
    func with(mustChange: Bool? = nil, lockAfter: Int? = nil, language: Language?? = nil,
              hasSecondFactor: Bool? = nil) -> SessionInfo {
        SessionInfo(login: login, role: role, mustChangePassphrase: mustChange ?? mustChangePassphrase,
                    lockAfterMinutes: lockAfter ?? lockAfterMinutes, practiceName: practiceName,
                    language: language ?? self.language, draft: nil, hasSecondFactor: hasSecondFactor ?? self.hasSecondFactor)
    }
}

/// What a lock keeps for the account (sealed by the services): where the
/// user was and what they had typed, so that unlocking returns there.
public struct Draft: Codable, Equatable, Sendable {
    public var module: Module?
    public var setup: SetupState?
    public var admin: AdminState?
    public var patients: PatientsState?
    public var agenda: AgendaState?
    public var help = false

    public init(module: Module? = nil, setup: SetupState? = nil, admin: AdminState? = nil, patients: PatientsState? = nil,
                help: Bool = false) {
        self.module = module
        self.setup = setup
        self.admin = admin
        self.patients = patients
        self.help = help
    }

    public func encoded() -> Data? { try? JSONEncoder().encode(self) }
    public static func decode(_ data: Data?) -> Draft? { data.flatMap { try? JSONDecoder().decode(Draft.self, from: $0) } }
}

/// The forced change after a reset: two entries, never drawn, with the
/// policy's live feedback.
public struct ChangeForm: Sendable, Equatable {
    public enum Field: Int, Sendable { case new, confirm }
    public var new = Passphrase()
    public var confirm = Passphrase()
    public var focus: Field = .new
    public var message: String? { didSet { failure = nil } }
    public var messageArgs: [String: String] = [:]
    /// The error the message reports, worded by the view (`KeptError`).
    public var failure: KeptError?
    public init() {}
}

/// The sign-in form (passphrase never drawn, wiped once used).
public struct SignInForm: Sendable, Equatable {
    public enum Field: Int, Sendable, CaseIterable { case login, passphrase, totp }
    /// The login as an editable line (cursor, Home, End, Ctrl-U, paste).
    public var loginField = FormField("login", label: "signin.login", maxLength: 32)
    public var login: String {
        get { loginField.value }
        set { loginField.set(newValue) }
    }
    public var passphrase = Passphrase()
    public var totp = ""
    public var focus: Field = .login
    public var needsTOTP = false
    /// A catalogue key and its arguments, shown under the form.
    public var message: String? { didSet { failure = nil } }
    public var messageArgs: [String: String] = [:]
    /// The error the message reports, worded by the view (`KeptError`).
    public var failure: KeptError?
    public var busy = false

    public init() {}

    /// The form for this terminal: the last account signed in here already
    /// typed, the focus on the passphrase (so that a passphrase typed
    /// straight away never lands in clear in the login field); with none,
    /// the focus on the login.
    public init(rememberedLogin: String?) {
        if let login = rememberedLogin, !login.isEmpty {
            self.login = login
            focus = .passphrase
        }
    }
}

/// Where the user is.
public enum Route: Sendable, Equatable {
    /// The first run: no cabinet yet.
    case setup
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
    public var setup = SetupState()
    public var admin = AdminState()
    public var patients = PatientsState()
    public var agenda = AgendaState()
    public var backup = BackupScreen()
    /// The vault the first run will create (shown on its first screen).
    public var setupPath: String?
    /// First line of the help shown (the help scrolls).
    public var helpOffset = 0
    /// F10 pressed once with unsaved input: a second F10 quits.
    public var confirmQuit = false
    /// The signed-in account's language (nil: the environment's).
    public var language: Language?
    public var lockedBy: String?
    public var now: Date
    public var lastActivity: Date
    public var lockAfter: TimeInterval = 10 * 60
    public var practiceName: String?
    /// The logins this vault's envelope names (read without a key; a hint
    /// for the sign-in screen only, never a decision about access).
    public var knownLogins: Set<String> = []
    public var isDemo = false
    /// The demo's published accounts, doctor first, shown on its sign-in screen.
    public var demoAccounts: [DemoAccount] = []
    public var columns = 80
    public var rows = 24
    public var quit = false
    /// Long work running in the worker (progress shown, keys held).
    public var work: LongWork?
    /// The interface's language before anyone signs in (the runner's).
    public var interfaceLanguage: Language = .fromEnvironment()
    /// The catalogue of this session: the account's language, else the
    /// interface's. Errors are worded with it, never with the process's.
    var catalog: Catalog { Catalog.cached(language ?? interfaceLanguage) }
    public var status: String?
    public var statusArgs: [String: String] = [:]

    public init(now: Date = Date()) {
        self.now = now
        lastActivity = now
    }

    /// Something typed and not saved: quitting asks first.
    public var hasUnsavedInput: Bool {
        if route == .setup { return setup.step != .welcome && setup.step != .done }
        return admin.hasUnsavedInput || patients.hasUnsavedInput || agenda.hasUnsavedInput
    }

    /// Seconds before the automatic lock.
    public var secondsBeforeLock: Int {
        max(0, Int((lastActivity.addingTimeInterval(lockAfter).timeIntervalSince(now)).rounded(.up)))
    }
}

extension AppState {
    /// The policy for the signed-in account's new passphrase: its login and
    /// the practice doctor's name, as the store checks them.
    var passphrasePolicy: PassphrasePolicy {
        PassphrasePolicy.forAccount(login: session?.login ?? "", doctorName: session?.practiceName)
    }
}

extension ChangeForm: KeepsMessage {}

extension SignInForm: KeepsMessage {}
