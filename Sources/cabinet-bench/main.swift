import ArgumentParser
import CabinetCore
import CabinetStore
import Foundation

// `cabinet-bench`: the benchmark suite, its own executable (`cabinet bench`
// hands over to it). Hardened like the application: it opens real vaults.
ProcessHardening.apply()
let L = Catalog.current
let arguments = Array(CommandLine.arguments.dropFirst())
// The bench's SQL runner (`--run-sql VAULT --script FILE`, a child of
// `--peers`, timed as a whole process against the sqlite3 and sqlcipher
// shells) skips the argument parser: building its command tree costs more
// than the store's own start.
if arguments.count == 4, arguments[0] == "--run-sql", arguments[2] == "--script" {
    do {
        try PeerBench.runSQL(vault: arguments[1], script: arguments[3])
        exit(0)
    } catch let error as CabinetError {
        Term.err(error.message(L))
        exit(error.exitCode.rawValue)
    } catch {
        Term.err(String(describing: error))
        exit(CabinetCore.ExitCode.io.rawValue)
    }
}
do {
    var command = try BenchCommand.parseAsRoot(arguments)
    try command.run()
    exit(0)
} catch let error as CabinetError {
    Term.err(error.message(L))
    exit(error.exitCode.rawValue)
} catch {
    BenchCommand.exit(withError: error)
}
