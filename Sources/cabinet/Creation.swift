import CabinetCore
import CabinetStore
import Foundation

/// Creating a cabinet, from `init` or from the first run.
struct Creation {
    let global: GlobalOptions

    static func askNewPassphrase() throws -> String {
        Term.err(L.text("policy.intro"))
        while true {
            let p = try Term.ask(L.text("prompt.new_passphrase"), secret: true)
            if p.isEmpty { throw CabinetError.emptyPassphrase }
            let problems = PassphrasePolicy().problems(p)
            if !problems.isEmpty {
                Term.err(CabinetError.passphraseTooWeak(problems: problems).message(L))
                continue
            }
            let again = try Term.ask(L.text("prompt.confirm_passphrase"), secret: true)
            if again == p { return p }
            Term.err(CabinetError.passphraseMismatch.message(L))
        }
    }

    func create(doctorName: String, login: String, recoveryKeyOut: String?, confirmOnTerminal: Bool) throws {
        let path = global.vaultPath
        if global.usesDefaultPath {
            // The default location is ours to create, private to the user.
            let dir = (path as NSString).deletingLastPathComponent
            if !FileManager.default.fileExists(atPath: dir) {
                try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                         attributes: [.posixPermissions: 0o700])
            }
        }
        // Refuse early (existing file, bad place) before asking for anything.
        try Vault.preflightCreate(path)
        let name = doctorName.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { throw CabinetError.usage(key: "error.doctor_name_empty") }
        let passphrase: String
        if let file = global.passwordFile {
            passphrase = try Term.firstLine(ofFile: file)
            if passphrase.isEmpty { throw CabinetError.emptyPassphrase }
        } else {
            passphrase = try Self.askNewPassphrase()
        }
        // Open the recovery-key file first: failing after creating the vault
        // would lose the only copy of the key.
        let out = try SecretOutput(recoveryKeyOut)
        let (vault, key): (Vault, String)
        do {
            (vault, key) = try Vault.create(at: path, doctorLogin: login, passphrase: passphrase,
                                            metadata: ["doctor_name": name])
        } catch {
            out.abandon()
            throw error
        }
        defer { vault.lock() }
        Term.out(L.text("init.created", ["path": path, "login": login]))
        if let file = out.file {
            if out.write(key) {
                Term.out(L.text("init.recovery_written", ["path": file]))
            } else {
                Term.err(L.text("init.recovery_write_failed", ["path": file]))
                Term.out(key)
            }
        } else {
            Term.out(L.text("init.recovery_intro"))
            Term.out("")
            Term.out("    " + key)
            Term.out("")
        }
        Term.out(L.text("init.recovery_advice"))
        if confirmOnTerminal && recoveryKeyOut == nil {
            try confirmWrittenDown(key)
        }
    }

    /// Asks for two groups of the key back, so that nobody leaves the first
    /// run without having written it down.
    func confirmWrittenDown(_ key: String) throws {
        let groups = key.split(separator: "-").map(String.init)
        let picks = [1, 5]
        for i in picks where i < groups.count {
            while true {
                let typed = try Term.ask(L.text("init.confirm_group", ["n": String(i + 1)]))
                if typed.uppercased().trimmingCharacters(in: .whitespaces) == groups[i] { break }
                Term.err(L.text("init.confirm_group_wrong"))
            }
        }
        // Leave nothing of the key on the screen.
        Term.out("\u{1B}[2J\u{1B}[3J\u{1B}[H")
        Term.out(L.text("init.confirmed"))
    }
}

/// The line-based first run: create a cabinet when none exists, else sign in.
struct FirstRun {
    let global: GlobalOptions

    func run() throws {
        let path = global.vaultPath
        if !FileManager.default.fileExists(atPath: path) {
            Term.out(L.text("firstrun.none", ["path": path]))
            let answer = try Term.ask(L.text("firstrun.choice"))
                .lowercased().trimmingCharacters(in: .whitespaces)
            switch answer {
            case "1":
                let name = try Term.ask(L.text("prompt.doctor_name"))
                let login = try Term.ask(L.text("prompt.new_login"))
                try Creation(global: global).create(doctorName: name, login: login, recoveryKeyOut: nil,
                                                    confirmOnTerminal: true)
                try runInterface(path: path)
            case "2":
                let demo = try DemoCabinet.openOrCreate(nextTo: path, global: global)
                try runInterface(path: demo, demo: true)
            default:
                Term.out(L.text("firstrun.later"))
            }
            return
        }
        try runInterface(path: path, demo: DemoCabinet.isDemo(path))
    }
}

/// The demonstration cabinet: fictitious, clearly marked, its passphrases
/// published on the sign-in screen. Patients arrive with the patient-file
/// issue; today it holds its two accounts.
enum DemoCabinet {
    static let fileName = "cabinet-demo.vault"
    static let doctor = (login: "demo", passphrase: "Demo-Medecin-2026!")
    static let secretary = (login: "accueil", passphrase: "Demo-Accueil-2026!")

    static func isDemo(_ path: String) -> Bool { (path as NSString).lastPathComponent == fileName }

    static func openOrCreate(nextTo path: String, global: GlobalOptions) throws -> String {
        let dir = (path as NSString).deletingLastPathComponent
        if global.usesDefaultPath && !FileManager.default.fileExists(atPath: dir) {
            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                     attributes: [.posixPermissions: 0o700])
        }
        let demo = (dir as NSString).appendingPathComponent(fileName)
        if FileManager.default.fileExists(atPath: demo) { return demo }
        Term.out(L.text("demo.creating", ["path": demo]))
        let (vault, _) = try Vault.create(at: demo, doctorLogin: doctor.login, passphrase: doctor.passphrase,
                                          metadata: ["doctor_name": L.text("demo.doctor_name"), "demo": "1"])
        defer { vault.lock() }
        try vault.createDemoAccount(login: secretary.login, role: .secretary, passphrase: secretary.passphrase)
        return demo
    }
}
