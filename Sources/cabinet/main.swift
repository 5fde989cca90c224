import ArgumentParser
import CabinetCore
import Foundation

// Entry point: parse (global options may come before the subcommand), run,
// and turn every failure into a message in the user's language and an exit
// code from CLI.md. Never a stack trace, never a raw SQLite code.
let arguments = hoistGlobalOptions(Array(CommandLine.arguments.dropFirst()))
do {
    var command = try CabinetCommand.parseAsRoot(arguments)
    try command.run()
    exit(0)
} catch let error as CabinetError {
    Term.err(error.message(L))
    exit(error.exitCode.rawValue)
} catch {
    let code = CabinetCommand.exitCode(for: error)
    let message = CabinetCommand.fullMessage(for: error)
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
