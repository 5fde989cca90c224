import CabinetCore
import CabinetDemo
import CabinetServices
import CabinetStore
import Foundation

/// Creating a cabinet, from `init` or from the first run.
struct Creation {
    let global: GlobalOptions

    static func askNewPassphrase(_ policy: PassphrasePolicy) throws -> Passphrase {
        Term.err(L.text("policy.intro"))
        while true {
            let p = try Term.askSecret(L.text("prompt.new_passphrase"))
            if p.isEmpty { throw CabinetError.session(.emptyPassphrase) }
            let problems = policy.problems(p)
            if !problems.isEmpty {
                Term.err(CabinetError.session(.passphraseTooWeak(problems: problems)).message(L))
                continue
            }
            let again = try Term.askSecret(L.text("prompt.confirm_passphrase"))
            if again == p { return p }
            Term.err(CabinetError.session(.passphraseMismatch).message(L))
        }
    }

    func create(doctorName: String, login: String, recoveryKeyOut: String?, confirmOnTerminal: Bool) throws {
        let path = global.vaultPath
        if global.usesDefaultPath {
            // The default location is ours to create, private to the user.
            let dir = PathNames.parent(path)
            if !FileManager.default.fileExists(atPath: dir) {
                try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                         attributes: [.posixPermissions: 0o700])
            }
        }
        // Refuse early (existing file, bad place) before asking for anything.
        try Vault.preflightCreate(path)
        let name = doctorName.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { throw CabinetError.usage(key: "error.doctor_name_empty") }
        let passphrase: Passphrase
        if let file = global.passwordFile {
            passphrase = try Term.secretFirstLine(ofFile: file)
            if passphrase.isEmpty { throw CabinetError.session(.emptyPassphrase) }
        } else {
            passphrase = try Self.askNewPassphrase(.forAccount(login: login, doctorName: name))
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

/// Opening Cabinet: the interface, which starts with the first run (create
/// the cabinet or open the demo) when no vault exists yet.
struct FirstRun {
    let global: GlobalOptions

    func run() throws {
        let path = global.vaultPath
        try runInterface(path: path, demo: DemoCabinet.isDemo(path), createDirectory: global.usesDefaultPath)
    }
}
