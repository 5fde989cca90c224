import ArgumentParser
import CabinetCore
import CabinetStore
import Foundation

/// A progress line for backup work on stderr (rewritten in place on a
/// terminal; nothing in a script's log but the result).
final class BackupProgressLine {
    private let onTerminal = isatty(STDERR_FILENO) != 0
    private var shown = ""
    private(set) var drew = false

    func update(_ p: BackupProgress) {
        guard onTerminal else { return }
        let step = L.text("backup.step.\(p.step.rawValue)")
        let text: String
        if p.total > 0 {
            text = L.text("backup.progress", ["step": step, "percent": String(Int(p.done * 100 / max(p.total, 1)))])
        } else {
            text = L.text("backup.progress_rows", ["step": step, "rows": String(p.done)])
        }
        guard text != shown else { return }
        shown = text
        drew = true
        Term.errInline(text)
    }

    func end() { if drew { Term.err("") } }

    /// Runs `work` with the line drawn, and ends the line whatever happens.
    static func around<T>(_ work: (@escaping (BackupProgress) -> Void) throws -> T) throws -> T {
        let line = BackupProgressLine()
        defer { line.end() }
        return try work(line.update)
    }
}

/// The words of a backup's state.
func backupStateWords(_ r: BackupRecord) -> String {
    L.text("backup.state.\(r.state.rawValue)")
}

func backupDateWords(_ d: Date) -> String {
    let f = DateFormatter()
    f.locale = Locale(identifier: L.language == .english ? "en_GB" : "fr_FR")
    f.timeZone = PracticeClock.timeZone
    f.dateFormat = "dd/MM/yyyy HH:mm"
    return f.string(from: d)
}

func backupJSON(_ r: BackupRecord) -> [String: Any] {
    var o: [String: Any] = ["path": r.path, "file": r.fileName, "createdAt": AuditFormat.iso(r.createdAt),
                            "createdBy": r.createdBy, "bytes": r.bytes, "pages": r.pages, "rows": r.rows,
                            "state": r.state.rawValue]
    o["checkedAt"] = r.checkedAt.map(AuditFormat.iso) ?? NSNull()
    o["failure"] = r.failure.map { $0.message(L) } ?? NSNull()
    return o
}

struct BackupCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "backup", abstract: L.text("help.backup"),
                             subcommands: [Run.self, List.self, Verify.self])
    }

    struct Run: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: L.text("help.backup.run")) }
        @OptionGroup var global: GlobalOptions
        @Option(name: .customLong("to"), help: ArgumentHelp(L.text("help.opt.backup_to"), valueName: "dir"))
        var to: String?

        func run() throws {
            guard let to, !to.isEmpty else { throw CabinetError.usage(key: "error.backup.no_destination") }
            let vault = try global.signIn().vault
            defer { vault.signOut() }
            let record = try BackupProgressLine.around { try vault.practice().backup.run(to: to, progress: $0) }
            if global.json {
                let data = try JSONSerialization.data(withJSONObject: backupJSON(record), options: [.sortedKeys])
                Term.out(String(decoding: data, as: UTF8.self))
            } else {
                Term.out(L.text("backup.done", ["path": record.path, "size": ByteCount.words(record.bytes, L),
                                                "rows": String(record.rows), "pages": String(record.pages)]))
            }
        }
    }

    struct List: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: L.text("help.backup.list")) }
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let vault = try global.signIn().vault
            defer { vault.signOut() }
            let backups = try vault.practice().backup.history()
            if global.json {
                let data = try JSONSerialization.data(withJSONObject: ["backups": backups.map(backupJSON)], options: [.sortedKeys])
                Term.out(String(decoding: data, as: UTF8.self))
                return
            }
            if backups.isEmpty { Term.out(L.text("backup.none")); return }
            for b in backups {
                Term.out(L.text("backup.line", ["date": backupDateWords(b.createdAt), "state": backupStateWords(b),
                                                "size": ByteCount.words(b.bytes, L), "path": b.path]))
                if let failure = b.failure { Term.out("    " + failure.message(L)) }
            }
        }
    }

    struct Verify: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: L.text("help.backup.verify")) }
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp(L.text("help.arg.backup_file"), valueName: "file"))
        var file: String

        func run() throws {
            let vault = try global.signIn().vault
            defer { vault.signOut() }
            let record = try BackupProgressLine.around { try vault.practice().backup.verify(file: file, progress: $0) }
            if global.json {
                let data = try JSONSerialization.data(withJSONObject: backupJSON(record), options: [.sortedKeys])
                Term.out(String(decoding: data, as: UTF8.self))
            } else {
                Term.out(L.text("backup.verified", ["path": record.path, "date": backupDateWords(record.createdAt),
                                                    "rows": String(record.rows), "pages": String(record.pages)]))
            }
        }
    }
}

/// `cabinet restore FILE --to PATH`: no vault to sign in to (a new
/// machine): the backup is opened with a doctor's passphrase of its time
/// (`--user`) or the recovery key (`--recovery-key-file`).
struct RestoreCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "restore", abstract: L.text("help.restore"))
    }
    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp(L.text("help.arg.backup_file"), valueName: "file"))
    var file: String
    @Option(name: .customLong("to"), help: ArgumentHelp(L.text("help.opt.restore_to"), valueName: "path"))
    var to: String

    func run() throws {
        let record: BackupRecord
        if let keyFile = global.recoveryKeyFile {
            let key = try Term.firstLine(ofFile: keyFile)
            record = try BackupProgressLine.around { try Vault.restore(backup: file, to: to, recoveryKey: key, progress: $0) }
        } else {
            let login = try global.user ?? Term.ask(L.text("prompt.login"))
            let pass = try global.passphrase(prompt: L.text("prompt.passphrase", ["login": login]))
            record = try BackupProgressLine.around { try Vault.restore(backup: file, to: to, login: login, passphrase: pass, progress: $0) }
        }
        Term.out(L.text("restore.done", ["path": to, "date": backupDateWords(record.createdAt), "rows": String(record.rows)]))
    }
}
