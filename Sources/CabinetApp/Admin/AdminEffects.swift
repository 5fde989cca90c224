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
    /// The Administration's performer.
    func perform(_ effect: AdminEffect) -> AppAction? {
        if effect == .rekey {
            return startWork(.rekey) { services, progress in
                do {
                    try services.rekey(progress: progress)
                    return .admin(.rekeyed)
                } catch { return .admin(.failed(AppRunner.cabinetError(error))) }
            }
        }
        draw()
        do {
            switch effect {
            case .loadAccounts:
                return .admin(.accounts(try services.listAccounts()))
            case .createAccount(let login, let name, let role):
                return .admin(.created(login: login, passphrase: try services.createAccount(login: login, displayName: name, role: role)))
            case .resetAccount(let login):
                return .admin(.reset(login: login, passphrase: try services.resetAccount(login: login)))
            case .disableAccount(let login):
                try services.disableAccount(login: login)
                return .admin(.disabled(login))
            case .rekey:
                return nil
            case .beginSecondFactor:
                return .admin(.secondFactorOffered(try services.beginSecondFactor()))
            case .confirmSecondFactor(let code):
                try services.confirmSecondFactor(code: code)
                return .admin(.secondFactorChanged(on: true))
            case .disableSecondFactor:
                try services.disableSecondFactor()
                return .admin(.secondFactorChanged(on: false))
            case .saveSettings(let minutes, let language):
                try services.setLockAfter(minutes: minutes)
                try services.setLanguage(language)
                return .admin(.settingsSaved(lockAfter: minutes, language: language))
            case .loadHours:
                let (hours, absences) = try services.practiceHours()
                return .admin(.hours(hours, absences))
            case .saveHours(let hours):
                try services.setOpeningHours(hours)
                return .admin(.hoursSaved(hours))
            case .addAbsence(let from, let to, let label):
                _ = try services.addAbsence(from: from, to: to, label: label)
                return .admin(.absencesChanged("admin.absence.added"))
            case .removeAbsence(let id):
                try services.removeAbsence(id)
                return .admin(.absencesChanged("admin.absence.removed"))
            }
        } catch {
            return .admin(.failed(Self.cabinetError(error)))
        }
    }
}
