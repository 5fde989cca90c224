import ArgumentParser
import CabinetCore
import CabinetStore
import Foundation

/// `cabinet`: with no subcommand, the line-based first run / sign-in (the full
/// terminal interface arrives with the interface issue).
struct CabinetCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "cabinet",
            abstract: L.text("help.abstract"),
            discussion: L.text("help.discussion"),
            version: "0.1.0",
            subcommands: [InitCommand.self, VerifyCommand.self, PasswdCommand.self, UserCommand.self,
                          TOTPCommand.self, AuditCommand.self, RekeyCommand.self, SettingsCommand.self, BenchCommand.self, PatientCommand.self,
                          EncounterCommand.self, AgendaCommand.self, BackupCommand.self, RestoreCommand.self, DemoCommand.self])
    }

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try FirstRun(global: global).run()
    }
}

struct InitCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "init", abstract: L.text("help.init"))
    }

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("doctor-name"), help: ArgumentHelp(L.text("help.opt.doctor_name"), valueName: "name"))
    var doctorName: String

    @Option(name: .customLong("login"), help: ArgumentHelp(L.text("help.opt.login"), valueName: "login"))
    var login: String

    @Option(name: .customLong("recovery-key-out"), help: ArgumentHelp(L.text("help.opt.recovery_key_out"), valueName: "file"))
    var recoveryKeyOut: String?

    func run() throws {
        try Creation(global: global).create(doctorName: doctorName, login: login, recoveryKeyOut: recoveryKeyOut,
                                            confirmOnTerminal: false)
    }
}

struct VerifyCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "verify", abstract: L.text("help.verify"))
    }

    @OptionGroup var global: GlobalOptions

    func run() throws {
        // The keys first, without SQLite: a damaged file is reported page by
        // page even when it could not be opened.
        let vault = try global.recoveryVault() ?? global.unlockKeys(openDatabase: false)
        defer { vault.lock() }
        let report = try vault.verify()
        var audit: AuditReport?
        var findings: [TamperFinding] = []
        if report.isOK {
            // Intact: complete the sign-in (second factor, logged), then
            // check the audit chain and record the verification.
            try global.completeSignIn(vault)
            if vault.mustChangePassphrase { try global.forcedChange(vault) }
            let chain = try vault.practice().audit.verify()
            audit = chain
            // What only a doctor's key can check: slots off the list of
            // accounts, clinical rows that do not authenticate, the trail's
            // checkpoint (docs/SEALED-STORE.md "Threat model").
            findings = try vault.verifyTrust()
            let ok = chain.isOK && findings.isEmpty
            try vault.practice().audit.record(ok ? .vaultVerified : .auditVerified,
                            detail: ok ? "ok" : chain.isOK ? "tampered \(findings.count)" : "audit \(chain.firstBad ?? 0)")
        }
        let auditOK = (audit?.isOK ?? true) && findings.isEmpty
        if global.json {
            var obj: [String: Any] = [
                "ok": report.isOK && auditOK, "pages": report.pagesChecked, "walFrames": report.walFrames,
                "tornWalTail": report.tornWALTail, "integrityErrors": report.integrityErrors,
                "envelopeCopyDamaged": report.envelopeCopyDamaged,
            ]
            if let audit { obj["auditEntries"] = audit.entries; obj["auditFirstBad"] = audit.firstBad ?? NSNull() }
            obj["tampered"] = findings.map { CabinetError.integrity(.tampered($0)).message(L) }
            obj["damaged"] = report.damaged.map { region -> [String: Any] in
                switch region {
                case .page(let n): return ["region": "page", "index": n]
                case .journalPage(let n): return ["region": "journal", "index": n]
                case .walFrame(let n): return ["region": "wal", "index": n]
                case .envelope: return ["region": "envelope"]
                }
            }
            let data = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])
            Term.out(String(decoding: data, as: UTF8.self))
        } else {
            Term.out(L.text("verify.pages", ["pages": String(report.pagesChecked), "frames": String(report.walFrames)]))
            if report.tornWALTail { Term.out(L.text("verify.torn_tail")) }
            if report.envelopeCopyDamaged { Term.err(L.text("verify.envelope_copy")) }
            for region in report.damaged { Term.err(CabinetError.integrity(.damaged(region)).message(L)) }
            if !report.integrityErrors.isEmpty {
                Term.err(CabinetError.integrity(.integrityCheckFailed(count: report.integrityErrors.count)).message(L))
            }
            if let audit {
                if let bad = audit.firstBad { Term.err(audit.error(bad).message(L)) }
                else { Term.out(L.text("verify.audit_ok", ["count": String(audit.entries)])) }
            }
            for f in findings { Term.err(CabinetError.integrity(.tampered(f)).message(L)) }
            if report.isOK && auditOK { Term.out(L.text("verify.ok")) }
        }
        if !(report.isOK && auditOK) { throw ArgumentParser.ExitCode(CabinetCore.ExitCode.integrity.rawValue) }
    }
}

struct PasswdCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "passwd", abstract: L.text("help.passwd"))
    }

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("new-password-file"), help: ArgumentHelp(L.text("help.opt.new_password_file"), valueName: "path"))
    var newPasswordFile: String?

    func run() throws {
        guard global.recoveryKeyFile == nil else { throw CabinetError.usage(key: "error.passwd_recovery") }
        let signed = try global.signIn(allowPendingChange: true)
        let vault = signed.vault
        defer { vault.signOut() }
        let fresh: Passphrase
        if let newPasswordFile {
            fresh = try Term.secretFirstLine(ofFile: newPasswordFile)
        } else {
            fresh = try Creation.askNewPassphrase(vault.passphrasePolicy())
        }
        try vault.practice().accounts.changeOwnPassphrase(new: fresh)
        Term.out(L.text("passwd.done", ["login": vault.login]))
    }
}
