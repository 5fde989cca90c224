import CabinetCore
import Foundation

// The backup screen's state (F6).

/// The backups of this vault, where they go, and the destination being
/// chosen. Reloaded each time the screen opens; never drafted.
public struct BackupScreen: Equatable, Sendable {
    public var records: [BackupRecord] = []
    public var selected = 0
    /// The folder backups go to (nil: none chosen yet).
    public var destination: String?
    /// Free bytes there (nil: the folder is not there: a disk unplugged).
    public var free: Int64?
    public var loaded = false
    /// The destination being typed (`d`).
    public var editing: Form?
    /// A catalogue key and its arguments, shown under the list.
    public var message: String? { didSet { failure = nil } }
    public var messageArgs: [String: String] = [:]
    /// The error the message reports, worded by the view (`KeptError`).
    public var failure: KeptError?
    public var messageIsError = false

    public init() {}

    /// The newest backup that counts (checked by restore).
    public var newestVerified: BackupRecord? { records.first { $0.state == .verified } }

    /// The newest backup failed its check and none verified came after it:
    /// said in red until a good one exists.
    public var failedSinceLastGood: BackupRecord? {
        guard let newest = records.first, newest.state == .failed else { return nil }
        return newest
    }

    mutating func say(_ key: String, _ args: [String: String] = [:], error: Bool = false) {
        message = key
        messageArgs = args
        messageIsError = error
    }

    mutating func say(_ error: CabinetError) {
        say("backup.screen.error", error: true)
        failure = KeptError(error)
    }
}

extension BackupScreen: KeepsMessage {}
