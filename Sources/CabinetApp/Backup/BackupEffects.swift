import CabinetCore
import Foundation

/// What the backup screen asks of the services.
public enum BackupEffect: Sendable, Equatable {
    case load
    /// Long work: the snapshot, its sealed copy, its check by restore.
    case run(to: String)
    /// Long work: a backup checked by restoring it.
    case verify(path: String)
    case setDestination(String)
}

/// What comes back.
public enum BackupResult: Sendable, Equatable {
    case loaded([BackupRecord], destination: String?, free: Int64?)
    case done(BackupRecord)
    case destinationSaved(String)
    case failed(CabinetError)
}

extension AppRunner {
    /// The backup screen's performer: Core's backup service, the long work
    /// in the worker with its steps.
    func perform(_ effect: BackupEffect) -> AppAction? {
        switch effect {
        case .load:
            do {
                let backup = try practice().backup
                let destination = try backup.destination()
                return .backup(.loaded(try backup.history(), destination: destination,
                                       free: destination.flatMap { backup.freeSpace(in: $0) }))
            } catch { return .backup(.failed(Self.cabinetError(error))) }
        case .setDestination(let folder):
            do {
                try practice().backup.setDestination(folder)
                return .backup(.destinationSaved(folder))
            } catch { return .backup(.failed(Self.cabinetError(error))) }
        case .run(let folder):
            let now = clock()
            return startWork(.backup) { services, progress, step in
                do {
                    guard let practice = services.practice else { throw CabinetError.session(.notSignedIn) }
                    let record = try practice.backup.run(to: folder, now: now) { p in
                        step("backup.step.\(p.step.rawValue)")
                        progress(BackupWorkScale.overall(p), 1000)
                    }
                    return .backup(.done(record))
                } catch { return .backup(.failed(AppRunner.cabinetError(error))) }
            }
        case .verify(let path):
            let now = clock()
            return startWork(.verifyBackup) { services, progress, step in
                do {
                    guard let practice = services.practice else { throw CabinetError.session(.notSignedIn) }
                    let record = try practice.backup.verify(file: path, now: now) { p in
                        step("backup.step.\(p.step.rawValue)")
                        progress(p.total > 0 ? 1000 * p.done / p.total : 0, 1000)
                    }
                    return .backup(.done(record))
                } catch { return .backup(.failed(AppRunner.cabinetError(error))) }
            }
        }
    }
}

/// One bar for the three steps of a backup: the rows read (30 %), the pages
/// copied (30 %), the check by restore (40 %), in per mille.
enum BackupWorkScale {
    static func overall(_ p: BackupProgress) -> Int64 {
        let f = p.total > 0 ? min(1, Double(p.done) / Double(p.total)) : 0
        switch p.step {
        case .snapshot: return Int64(300 * f)
        case .copy: return 300 + Int64(300 * f)
        case .verify: return 600 + Int64(400 * f)
        }
    }
}
