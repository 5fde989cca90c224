import ArgumentParser
import CabinetCore
import CabinetStore
import Foundation

// Entry point: parse (global options may come before the subcommand), run,
// and turn every failure into a message in the user's language and an exit
// code from CLI.md. Never a stack trace, never a raw SQLite code.
// Before anything else, and before SQLite is initialised: no core dump, not
// dumpable, SQLite's heap zeroed as it is freed (docs/SEALED-STORE.md).
ProcessHardening.apply()
let arguments = hoistGlobalOptions(Array(CommandLine.arguments.dropFirst()))
// A vault made by an earlier release is upgraded at a doctor's first
// sign-in: say it, since it can take a while on a large vault.
Vault.upgradeNotice = { Term.err(L.text("vault.upgrading")) }
do {
    var command = try CabinetCommand.parseAsRoot(arguments)
    try command.run()
    exit(0)
} catch {
    // A database error that escaped the store's mapping still gets a message
    // from the catalogue (a busy desk, a damaged page), never a raw code.
    if let error = StoreErrors.userError(error) as? CabinetError {
        Term.err(error.message(L))
        exit(error.exitCode.rawValue)
    }
    let code = CabinetCommand.exitCode(for: error)
    let message = ParserWords.localized(CabinetCommand.fullMessage(for: error))
    if code == .success {
        if !message.isEmpty { Term.out(message) }
        exit(0)
    }
    if code.rawValue == 64 || code.rawValue == 1 {
        // ArgumentParser's own usage errors: exit 1 as CLI.md says.
        Term.err(L.text("error.usage_prefix") + "\n" + message)
        exit(CabinetCore.ExitCode.usage.rawValue)
    }
    if !message.isEmpty { Term.err(message) }
    exit(code.rawValue)
}
