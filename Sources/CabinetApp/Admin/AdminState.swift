import CabinetCore
import Foundation
import TerminalUI

// The Administration's state: the panes, the dialogs.

/// The doctor's administration screen: the accounts (create, reset, disable
/// with the re-key offer, the second factor with its QR code), the settings
/// (inactivity delay, language), and the opening hours with the absences.
public struct AdminState: Codable, Equatable, Sendable {
    public enum Pane: String, Codable, Sendable, CaseIterable { case accounts, settings, hours }

    public enum Dialog: Codable, Equatable, Sendable {
        case newAccount(Form, role: Role)
        case confirmReset(String)
        case confirmDisable(String)
        /// After a disable: change the data key now?
        case offerRekey(String)
        /// A one-time passphrase, shown once.
        case oneTime(login: String, passphrase: String)
        case secondFactor(SecondFactorOffer, Form)
        case confirmSecondFactorOff
        case newAbsence(Form)
        /// The absence's id and how it reads ("du … au …").
        case confirmRemoveAbsence(Int64, String)
    }

    public var pane: Pane = .accounts
    /// Reloaded from the vault each time the screen opens (never drafted).
    public var accounts: [AccountRow] = []
    public var selected = 0
    public var dialog: Dialog?
    /// A catalogue key while the services work.
    public var busy: String?
    /// Settings: 0 the delay, 1 the language.
    public var settingsFocus = 0
    public var lockAfter = 10
    /// nil: the environment's language.
    public var language: Language?
    public var settingsDirty = false
    /// Opening hours as typed, one field a day (Monday first).
    public var hours = hoursForm(.standard)
    public var hoursDirty = false
    /// 0–6 the days, then the absences listed.
    public var hoursFocus = 0
    /// The absences to come (reloaded, never drafted).
    public var absences: [Absence] = []
    public var message: String? { didSet { failure = nil } }
    public var messageArgs: [String: String] = [:]
    /// The error the message reports, worded by the view (`KeptError`).
    public var failure: KeptError?
    public var messageIsError = false

    public init() {}

    enum CodingKeys: String, CodingKey {
        case pane, selected, dialog, settingsFocus, lockAfter, language, settingsDirty, hours, hoursDirty, hoursFocus
    }

    var hasUnsavedInput: Bool {
        if settingsDirty || hoursDirty { return true }
        switch dialog {
        case .newAccount(let form, _): return form.hasInput
        case .secondFactor(_, let form): return form.hasInput
        case .newAbsence(let form): return form.hasInput
        case .oneTime: return true
        default: return false
        }
    }

    var selectedAccount: AccountRow? { accounts.indices.contains(selected) ? accounts[selected] : nil }

    mutating func say(_ key: String, _ args: [String: String] = [:], error: Bool = false) {
        message = key
        messageArgs = args
        messageIsError = error
    }

    /// Says `error` (kept typed: worded by the view).
    mutating func say(_ error: CabinetError) {
        say("signin.error", error: true)
        failure = KeptError(error)
    }
}

extension Language: Codable {}

extension AdminState: KeepsMessage {}
