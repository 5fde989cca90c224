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

    @Flag(name: .customLong("json"), help: ArgumentHelp(L.text("help.opt.json")))
    var json = false

    /// Option names that take a value, for moving them after the subcommand.
    static let valued: Set<String> = ["--vault", "--user", "--password-file", "--recovery-key-file"]
    static let flags: Set<String> = ["--json"]

    var vaultPath: String { vault ?? Vault.defaultPath() }
    var usesDefaultPath: Bool { vault == nil && (ProcessInfo.processInfo.environment["CABINET_VAULT"] ?? "").isEmpty }

    /// The passphrase from `--password-file`, or asked on the terminal.
    func passphrase(prompt: String) throws -> String {
        if let passwordFile { return try Term.firstLine(ofFile: passwordFile) }
        return try Term.ask(prompt, secret: true)
    }

    /// Unlocks the vault with the recovery key file, or `--user` and a passphrase.
    func unlock(openDatabase: Bool = true) throws -> Vault {
        let path = vaultPath
        if let recoveryKeyFile {
            let key = try Term.firstLine(ofFile: recoveryKeyFile)
            return try Vault.unlock(at: path, recoveryKey: key, openDatabase: openDatabase)
        }
        try Vault.checkOpenableForCLI(path)
        let login = try user ?? Term.ask(L.text("prompt.login"))
        let pass = try passphrase(prompt: L.text("prompt.passphrase", ["login": login]))
        return try Vault.unlock(at: path, login: login, passphrase: pass, openDatabase: openDatabase)
    }
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
