import CabinetCore
import Foundation

/// What the Administration asks of the services.
public enum AdminEffect: Sendable, Equatable {
    case loadAccounts
    case createAccount(login: String, displayName: String?, role: Role)
    case resetAccount(login: String)
    case disableAccount(login: String)
    /// Long work: a new data key for every page.
    case rekey
    case beginSecondFactor
    case confirmSecondFactor(code: String)
    case disableSecondFactor
    case saveSettings(lockAfter: Int, language: Language?)
    case loadHours
    case saveHours(OpeningHours)
    case addAbsence(from: Date, to: Date, label: String)
    case removeAbsence(Int64)
}

extension AppRunner {
    /// The Administration's performer: Core's accounts and agenda services.
    func perform(_ effect: AdminEffect) -> AppAction? {
        if effect == .rekey {
            return startWork(.rekey) { services, progress in
                do {
                    guard let practice = services.practice else { throw CabinetError.session(.notSignedIn) }
                    try practice.accounts.rekey(progress: progress)
                    return .admin(.rekeyed)
                } catch { return .admin(.failed(AppRunner.cabinetError(error))) }
            }
        }
        draw()
        do {
            switch effect {
            case .loadAccounts:
                return .admin(.accounts(try practice().accounts.list().map(AccountRow.init)))
            case .createAccount(let login, let name, let role):
                let passphrase = try practice().accounts.create(login: login, role: role, displayName: name)
                return .admin(.created(login: login, passphrase: passphrase))
            case .resetAccount(let login):
                return .admin(.reset(login: login, passphrase: try practice().accounts.reset(login: login)))
            case .disableAccount(let login):
                try practice().accounts.disable(login: login)
                return .admin(.disabled(login))
            case .rekey:
                return nil
            case .beginSecondFactor:
                // The QR code is drawn by the services (the QRCode module).
                return .admin(.secondFactorOffered(try services.beginSecondFactor()))
            case .confirmSecondFactor(let code):
                try practice().accounts.confirmSecondFactor(code: code, now: clock())
                return .admin(.secondFactorChanged(on: true))
            case .disableSecondFactor:
                try practice().accounts.disableSecondFactor()
                return .admin(.secondFactorChanged(on: false))
            case .saveSettings(let minutes, let language):
                let accounts = try practice().accounts
                // The delay is logged when it changes only.
                if (try? accounts.lockAfterMinutes()) != minutes { try accounts.setLockAfterMinutes(minutes) }
                try accounts.setLanguage(language)
                return .admin(.settingsSaved(lockAfter: minutes, language: language))
            case .loadHours:
                let agenda = try practice().agenda
                let hours = try agenda.openingHours()
                // The absences not yet over, up to ten years ahead.
                let now = clock()
                return .admin(.hours(hours, try agenda.absences(from: now, to: now.addingTimeInterval(10 * 366 * 86_400))))
            case .saveHours(let hours):
                try practice().agenda.setOpeningHours(hours)
                return .admin(.hoursSaved(hours))
            case .addAbsence(let from, let to, let label):
                _ = try practice().agenda.addAbsence(from: from, to: to, label: label)
                return .admin(.absencesChanged("admin.absence.added"))
            case .removeAbsence(let id):
                try practice().agenda.removeAbsence(id)
                return .admin(.absencesChanged("admin.absence.removed"))
            }
        } catch {
            return .admin(.failed(Self.cabinetError(error)))
        }
    }
}
