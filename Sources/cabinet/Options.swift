import ArgumentParser
import CabinetCore
import CabinetStore
import Foundation

let L = Catalog.current

/// Options every command accepts, before or after the subcommand (CLI.md).
struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("vault"), help: ArgumentHelp(L.text("help.opt.vault"), valueName: "path"))
    var vault: String?

    @Option(name: .customLong("user"), help: ArgumentHelp(L.text("help.opt.user"), valueName: "login"))
    var user: String?

    @Option(name: .customLong("password-file"), help: ArgumentHelp(L.text("help.opt.password_file"), valueName: "path"))
    var passwordFile: String?

    @Option(name: .customLong("recovery-key-file"), help: ArgumentHelp(L.text("help.opt.recovery_key_file"), valueName: "path"))
    var recoveryKeyFile: String?

    @Option(name: .customLong("totp"), help: ArgumentHelp(L.text("help.opt.totp"), valueName: "code"))
    var totp: String?

    @Flag(name: .customLong("json"), help: ArgumentHelp(L.text("help.opt.json")))
    var json = false

    /// Option names that take a value, for moving them after the subcommand.
    static let valued: Set<String> = ["--vault", "--user", "--password-file", "--recovery-key-file", "--totp"]
    static let flags: Set<String> = ["--json"]

    var vaultPath: String { vault ?? Vault.defaultPath() }
    var usesDefaultPath: Bool { vault == nil && (ProcessInfo.processInfo.environment["CABINET_VAULT"] ?? "").isEmpty }

    /// The passphrase from `--password-file`, or asked on the terminal.
    func passphrase(prompt: String) throws -> Passphrase {
        if let passwordFile { return try Term.secretFirstLine(ofFile: passwordFile) }
        return try Term.askSecret(prompt)
    }

    /// Signs in (recovery key file, or `--user` with a passphrase and the
    /// second factor when the account has one) and enforces the forced
    /// change after a reset. The sign-in is logged.
    func signIn(allowPendingChange: Bool = false) throws -> SignedIn {
        let path = vaultPath
        if let recoveryKeyFile {
            let key = try Term.firstLine(ofFile: recoveryKeyFile)
            return SignedIn(vault: try Vault.signIn(at: path, recoveryKey: key))
        }
        let vault = try unlockKeys(openDatabase: true)
        try completeSignIn(vault)
        if vault.mustChangePassphrase && !allowPendingChange { try forcedChange(vault) }
        return SignedIn(vault: vault)
    }

    /// Forced change after a reset (../shared/seeds/002_d4f97852d99ed6fe.txt
    /// §10): now, on the terminal, or refused until `cabinet passwd`.
    func forcedChange(_ vault: Vault) throws {
        guard passwordFile == nil, Term.hasTerminal else {
            vault.signOut()
            throw CabinetError.session(.mustChangePassphrase)
        }
        Term.err(L.text("passwd.forced"))
        let fresh = try Creation.askNewPassphrase(vault.passphrasePolicy())
        try vault.practice().accounts.changeOwnPassphrase(new: fresh)
        Term.out(L.text("passwd.done", ["login": vault.login]))
    }

    /// The key slot only (attempt delay included); the caller completes the
    /// sign-in with `completeSignIn`.
    func unlockKeys(openDatabase: Bool) throws -> Vault {
        let path = vaultPath
        try Vault.checkOpenableForCLI(path)
        let login = try user ?? Term.ask(L.text("prompt.login"))
        // Users are told that access is logged (../shared/seeds/002 §10).
        if passwordFile == nil { Term.err(L.text("signin.notice")) }
        let pass = try passphrase(prompt: L.text("prompt.passphrase", ["login": login]))
        return try Vault.unlockCountingAttempts(at: path, login: login, passphrase: pass, openDatabase: openDatabase)
    }

    /// The second factor (asked on the terminal when needed) and the log.
    func completeSignIn(_ vault: Vault) throws {
        do {
            try vault.completeSignIn(totp: totp)
        } catch CabinetError.session(.secondFactorRequired) {
            guard totp == nil, Term.hasTerminal else {
                vault.lock()
                throw CabinetError.session(.secondFactorRequired)
            }
            let code = try Term.ask(L.text("prompt.totp"))
            do { try vault.completeSignIn(totp: code) } catch { vault.lock(); throw error }
        }
    }

    func recoveryVault() throws -> Vault? {
        guard let recoveryKeyFile else { return nil }
        let key = try Term.firstLine(ofFile: recoveryKeyFile)
        return try Vault.unlock(at: vaultPath, recoveryKey: key, openDatabase: false)
    }
}

/// A signed-in session for one command.
struct SignedIn {
    let vault: Vault
    /// The session's services: what every command calls for domain work.
    var practice: Practice { vault.practice() }
}

/// Moves global options found before the subcommand to after it, so that
/// `cabinet --vault V verify` and `cabinet verify --vault V` mean the same.
func hoistGlobalOptions(_ args: [String]) -> [String] {
    var hoisted: [String] = []
    var rest: [String] = []
    var i = 0
    var seenCommand = false
    while i < args.count {
        let a = args[i]
        if a == "--" { rest += args[i...]; break }
        let name = a.split(separator: "=", maxSplits: 1).first.map(String.init) ?? a
        if !seenCommand && GlobalOptions.valued.contains(name) {
            hoisted.append(a)
            if !a.contains("=") && i + 1 < args.count { hoisted.append(args[i + 1]); i += 1 }
        } else if !seenCommand && GlobalOptions.flags.contains(a) {
            hoisted.append(a)
        } else {
            if !a.hasPrefix("-") { seenCommand = true }
            rest.append(a)
        }
        i += 1
    }
    if let dd = rest.firstIndex(of: "--") { rest.insert(contentsOf: hoisted, at: dd); return rest }
    return rest + hoisted
}

extension Vault {
    /// The same checks unlock makes, run before prompting for a passphrase so
    /// that a missing vault is reported at once.
    static func checkOpenableForCLI(_ path: String) throws {
        try Vault.preflight(path)
    }
}
