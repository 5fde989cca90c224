import ArgumentParser
import CabinetCore
import CabinetStore
import Foundation
import Glibc
import QRCode

/// Where a one-time passphrase goes: a new 0600 file (opened before the
/// account is touched, so that a refused file loses nothing) or the terminal.
struct SecretOutput {
    let file: String?
    private let fd: Int32

    init(_ file: String?) throws {
        self.file = file
        guard let file else { fd = -1; return }
        let fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST { throw CabinetError.usage(key: "error.out_exists") }
            throw CabinetError.vault(.io(path: file, errno: errno))
        }
        self.fd = fd
    }

    /// Nothing was written: remove the file we created.
    func abandon() {
        if fd >= 0, let file { close(fd); unlink(file) }
    }

    /// Writes the secret and syncs it; false when there is no file or the
    /// write failed (the caller then shows the secret instead).
    func write(_ secret: String) -> Bool {
        guard fd >= 0 else { return false }
        let line = secret + "\n"
        let ok = line.withCString { Glibc.write(fd, $0, strlen($0)) } == line.utf8.count && fsync(fd) == 0
        close(fd)
        return ok
    }

    /// Hands a one-time passphrase over: to the file, or on the terminal.
    func hand(_ secret: String, login: String) {
        if let file, write(secret) {
            Term.out(L.text("user.onetime_written", ["login": login, "path": file]))
        } else {
            Term.out(L.text("user.onetime", ["login": login]))
            Term.out("")
            Term.out("    " + secret)
            Term.out("")
        }
        Term.out(L.text("user.onetime_advice"))
    }
}

func parseRole(_ s: String) throws -> Role {
    // The words of both catalogues ("input.role.…"), with or without accents.
    let word = s.trimmingCharacters(in: .whitespaces).lowercased()
    for role in [Role.doctor, .replacement, .secretary] where Catalog.inputWords("input.role.\(role.rawValue)").contains(word) {
        return role
    }
    throw CabinetError.usage(key: "error.role")
}

struct UserCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "user", abstract: L.text("help.user"),
                             subcommands: [Add.self, List.self, Disable.self, Reset.self, Review.self])
    }

    struct Add: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: L.text("help.user.add")) }
        @OptionGroup var global: GlobalOptions
        @Option(name: .customLong("login"), help: ArgumentHelp(L.text("help.opt.new_login"), valueName: "login"))
        var login: String
        @Option(name: .customLong("role"), help: ArgumentHelp(L.text("help.opt.role"), valueName: "doctor|replacement|secretary"))
        var role: String
        @Option(name: .customLong("name"), help: ArgumentHelp(L.text("help.opt.display_name"), valueName: "name"))
        var name: String?
        @Option(name: .customLong("password-out"), help: ArgumentHelp(L.text("help.opt.password_out"), valueName: "file"))
        var passwordOut: String?

        func run() throws {
            let role = try parseRole(self.role)
            let out = try SecretOutput(passwordOut)
            let secret: String
            do {
                let vault = try global.signIn().vault
                defer { vault.signOut() }
                secret = try vault.practice().accounts.create(login: login, role: role, displayName: name)
            } catch {
                out.abandon()
                throw error
            }
            Term.out(L.text("user.created", ["login": login, "role": L.text("role.\(role.rawValue)")]))
            if role == .secretary { Term.out(L.text("user.secretary_no_clinical")) }
            out.hand(secret, login: login)
        }
    }

    struct List: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: L.text("help.user.list")) }
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let vault = try global.signIn().vault
            defer { vault.signOut() }
            let accounts = try vault.practice().accounts.list()
            let review = try vault.practice().accounts.lastReview()
            let df = DateFormatter()
            df.dateFormat = "dd/MM/yyyy HH:mm"
            if global.json {
                let rows: [[String: Any]] = accounts.map {
                    ["login": $0.login, "role": $0.role.rawValue, "enabled": $0.hasSlot && $0.disabledAt == nil,
                     "secondFactor": $0.hasSecondFactor, "mustChange": $0.mustChangePassphrase,
                     "lastSignIn": $0.lastSignIn.map { AuditFormat.iso($0) } ?? NSNull()]
                }
                let data = try JSONSerialization.data(withJSONObject: ["accounts": rows], options: [.sortedKeys])
                Term.out(String(decoding: data, as: UTF8.self))
                return
            }
            Term.out(L.text("user.list_header"))
            for a in accounts {
                let state = a.disabledAt != nil || !a.hasSlot ? L.text("user.state_disabled")
                    : (a.mustChangePassphrase ? L.text("user.state_must_change") : L.text("user.state_active"))
                let last = a.lastSignIn.map { df.string(from: $0) } ?? "—"
                Term.out([a.login.padding(toLength: 16, withPad: " ", startingAt: 0),
                          L.text("role.\(a.role.rawValue)").padding(toLength: 20, withPad: " ", startingAt: 0),
                          state.padding(toLength: 22, withPad: " ", startingAt: 0),
                          (a.hasSecondFactor ? "TOTP" : "—").padding(toLength: 6, withPad: " ", startingAt: 0),
                          last].joined(separator: " "))
            }
            if let review {
                Term.out(L.text("user.last_review", ["date": df.string(from: review)]))
                if Date().timeIntervalSince(review) > 365 * 86_400 { Term.err(L.text("user.review_due")) }
            } else {
                Term.err(L.text("user.review_never"))
            }
        }
    }

    struct Disable: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: L.text("help.user.disable")) }
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp(L.text("help.arg.login"), valueName: "login"))
        var login: String
        @Flag(name: .customLong("rekey"), help: ArgumentHelp(L.text("help.opt.rekey")))
        var rekey = false

        func run() throws {
            let vault = try global.signIn().vault
            defer { vault.signOut() }
            try vault.practice().accounts.disable(login: login)
            Term.out(L.text("user.disabled", ["login": login]))
            if rekey {
                try runRekey(vault)
            } else {
                Term.out(L.text("user.rekey_advice"))
            }
        }
    }

    struct Reset: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: L.text("help.user.reset")) }
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp(L.text("help.arg.login"), valueName: "login"))
        var login: String
        @Option(name: .customLong("role"), help: ArgumentHelp(L.text("help.opt.new_role"), valueName: "doctor|replacement|secretary"))
        var role: String?
        @Option(name: .customLong("password-out"), help: ArgumentHelp(L.text("help.opt.password_out"), valueName: "file"))
        var passwordOut: String?

        func run() throws {
            let newRole = try role.map(parseRole)
            let out = try SecretOutput(passwordOut)
            let secret: String
            do {
                let vault = try global.signIn().vault
                defer { vault.signOut() }
                secret = try vault.practice().accounts.reset(login: login, role: newRole)
            } catch {
                out.abandon()
                throw error
            }
            Term.out(L.text("user.reset", ["login": login]))
            out.hand(secret, login: login)
        }
    }

    struct Review: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: L.text("help.user.review")) }
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let vault = try global.signIn().vault
            defer { vault.signOut() }
            try vault.practice().accounts.recordReview()
            Term.out(L.text("user.reviewed"))
        }
    }
}

/// Re-keys with progress lines; explains why (a former account knew the key).
func runRekey(_ vault: Vault) throws {
    // Pages copied, on one line rewritten in place, when stderr is a terminal.
    let onTerminal = isatty(STDERR_FILENO) != 0
    var shown = -1
    var started = false
    // The start is said once the service has let the work begin (its
    // access policy first, then every other desk closed).
    try vault.practice().accounts.rekey { done, total in
        if !started {
            started = true
            Term.out(L.text("rekey.start"))
        }
        guard onTerminal else { return }
        let percent = total > 0 ? Int(done * 100 / total) : 100
        guard percent != shown else { return }
        shown = percent
        Term.errInline(L.text("rekey.progress", ["done": String(done), "total": String(total), "percent": String(percent)]))
    }
    if onTerminal && shown >= 0 { Term.err("") }
    Term.out(L.text("rekey.done"))
}

struct RekeyCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "rekey", abstract: L.text("help.rekey"))
    }
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let vault = try global.signIn().vault
        defer { vault.signOut() }
        try runRekey(vault)
    }
}

struct TOTPCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "totp", abstract: L.text("help.totp"),
                             subcommands: [Enroll.self, Confirm.self, Disable.self])
    }

    struct Enroll: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: L.text("help.totp.enroll")) }
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let vault = try global.signIn().vault
            defer { vault.signOut() }
            // A short issuer keeps the QR code within an 80×24 terminal.
            let e = try vault.practice().accounts.beginSecondFactor(issuer: "Cabinet")
            Term.out(L.text("totp.scan"))
            if let qr = QRMatrix.encode(e.uri) {
                let utf8 = (ProcessInfo.processInfo.environment["LC_ALL"] ?? ProcessInfo.processInfo.environment["LANG"] ?? "")
                    .uppercased().contains("UTF")
                for line in (utf8 ? qr.terminalLines() : qr.asciiLines()) { Term.out(line) }
            }
            Term.out(L.text("totp.uri", ["uri": e.uri]))
            Term.out(L.text("totp.secret", ["secret": e.secretBase32]))
            if Term.hasTerminal && global.passwordFile == nil {
                while true {
                    let code = try Term.ask(L.text("prompt.totp_confirm"))
                    do {
                        try vault.practice().accounts.confirmSecondFactor(code: code)
                        break
                    } catch CabinetError.session(.wrongSecondFactor) {
                        Term.err(CabinetError.session(.wrongSecondFactor).message(L))
                    }
                }
                Term.out(L.text("totp.active"))
            } else {
                Term.out(L.text("totp.pending"))
            }
        }
    }

    struct Confirm: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: L.text("help.totp.confirm")) }
        @OptionGroup var global: GlobalOptions
        @Option(name: .customLong("code"), help: ArgumentHelp(L.text("help.opt.code"), valueName: "code"))
        var code: String

        func run() throws {
            let vault = try global.signIn().vault
            defer { vault.signOut() }
            try vault.practice().accounts.confirmSecondFactor(code: code)
            Term.out(L.text("totp.active"))
        }
    }

    struct Disable: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: L.text("help.totp.disable")) }
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let vault = try global.signIn().vault
            defer { vault.signOut() }
            try vault.practice().accounts.disableSecondFactor()
            Term.out(L.text("totp.disabled"))
        }
    }
}

enum AuditFormat {
    /// A detail in the reader's words: each word the trail stores
    /// (`unknown-login`, `clinical:consultation`…) through the catalogue,
    /// anything else (a count, a date, a role change) as stored.
    static func detail(_ raw: String?) -> String {
        guard let raw, !raw.isEmpty else { return "" }
        func word(_ part: Substring) -> String {
            let key = "audit.detail.\(part)"
            let text = L.text(key)
            return text == key ? String(part) : text
        }
        return raw.split(separator: ":", omittingEmptySubsequences: false).map { part -> String in
            part.split(separator: ".", omittingEmptySubsequences: false).map(word).joined(separator: ", ")
        }.joined(separator: " : ")
    }

    static func iso(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone.current
        return f.string(from: d)
    }
}

struct AuditCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "audit", abstract: L.text("help.audit"),
                             subcommands: [List.self, Verify.self, Prune.self])
    }

    struct List: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: L.text("help.audit.list")) }
        @OptionGroup var global: GlobalOptions
        @Option(name: .customLong("patient"), help: ArgumentHelp(L.text("help.opt.patient"), valueName: "id"))
        var patient: String?
        @Option(name: .customLong("since"), help: ArgumentHelp(L.text("help.opt.since"), valueName: "date"))
        var since: String?

        /// `--patient 12` names the record's entries (`patient:12`); an
        /// object given whole (`patient:12`, a login) is taken as it is.
        static func object(_ patient: String?) -> String? {
            guard let p = patient?.trimmingCharacters(in: .whitespaces), !p.isEmpty else { return nil }
            return Int64(p) != nil ? "patient:\(p)" : p
        }

        func run() throws {
            var sinceDate: Date?
            if let since {
                // The forms the rest of the command line accepts (JJ/MM/AAAA,
                // AAAA-MM-JJ…), from midnight in the practice's time zone.
                let day: CivilDate
                do { day = try PatientInput.day(since) } catch { throw CabinetError.usage(key: "error.date") }
                guard let d = PracticeClock.instant(day, TimeOfDay(minutes: 0)) else { throw CabinetError.usage(key: "error.date") }
                sinceDate = d
            }
            let vault = try global.signIn().vault
            defer { vault.signOut() }
            let entries = try vault.practice().audit.entries(object: Self.object(patient), since: sinceDate)
            if global.json {
                let rows: [[String: Any]] = entries.map {
                    ["seq": $0.seq, "at": AuditFormat.iso($0.at), "actor": $0.actor, "action": $0.action,
                     "object": $0.object ?? NSNull(), "detail": $0.detail ?? NSNull()]
                }
                let data = try JSONSerialization.data(withJSONObject: ["entries": rows], options: [.sortedKeys])
                Term.out(String(decoding: data, as: UTF8.self))
                return
            }
            // Times in the practice's time zone, said once in the header.
            let zone = PracticeClock.timeZone
            let df = DateFormatter()
            df.dateFormat = "dd/MM/yyyy HH:mm:ss"
            df.timeZone = zone
            Term.out(L.text("audit.list_header", ["zone": zone.abbreviation(for: Date()) ?? zone.identifier]))
            for e in entries {
                let label = L.text("audit.action.\(e.action)")
                Term.out([String(e.seq).padding(toLength: 6, withPad: " ", startingAt: 0), df.string(from: e.at),
                          e.actor.padding(toLength: 14, withPad: " ", startingAt: 0),
                          label, e.object.map { "[\($0)]" } ?? "", AuditFormat.detail(e.detail)].joined(separator: "  "))
            }
            if entries.isEmpty { Term.out(L.text("audit.list_empty")) }
        }
    }

    struct Verify: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: L.text("help.audit.verify")) }
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let vault = try global.signIn().vault
            defer { vault.signOut() }
            let report = try vault.practice().audit.check()
            if global.json {
                let obj: [String: Any] = ["ok": report.isOK, "entries": report.entries, "firstSeq": report.firstSeq,
                                          "firstBad": report.firstBad ?? NSNull()]
                let data = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])
                Term.out(String(decoding: data, as: UTF8.self))
            } else if let bad = report.firstBad {
                Term.err(report.error(bad).message(L))
            } else {
                Term.out(L.text("verify.audit_ok", ["count": String(report.entries)]))
            }
            if let bad = report.firstBad { throw report.error(bad) }
        }
    }

    struct Prune: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: L.text("help.audit.prune")) }
        @OptionGroup var global: GlobalOptions
        @Option(name: .customLong("keep-days"), help: ArgumentHelp(L.text("help.opt.keep_days"), valueName: "days"))
        var keepDays: Int?

        func run() throws {
            let vault = try global.signIn().vault
            defer { vault.signOut() }
            let n = try vault.practice().audit.prune(keepDays: keepDays)
            Term.out(L.text("audit.pruned", ["count": String(n)]))
        }
    }
}

struct SettingsCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "settings", abstract: L.text("help.settings"))
    }
    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("lock-after"), help: ArgumentHelp(L.text("help.opt.lock_after"), valueName: "minutes"))
    var lockAfter: Int?

    func run() throws {
        let vault = try global.signIn().vault
        defer { vault.signOut() }
        if let lockAfter { try vault.practice().accounts.setLockAfterMinutes(lockAfter) }
        let minutes = try vault.practice().accounts.lockAfterMinutes()
        if global.json {
            let data = try JSONSerialization.data(withJSONObject: ["lockAfterMinutes": minutes], options: [.sortedKeys])
            Term.out(String(decoding: data, as: UTF8.self))
        } else {
            Term.out(L.text("settings.lock_after", ["minutes": String(minutes)]))
        }
    }
}
