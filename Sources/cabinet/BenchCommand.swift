import ArgumentParser
import CabinetCore
import Foundation

/// `cabinet bench`: hands over to `cabinet-bench`, the benchmark suite's own
/// executable, installed beside this one (the product links none of it).
/// Every argument goes through as it is (`cabinet bench --quick --peers`).
struct BenchCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "bench", abstract: L.text("help.bench"))
    }

    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp(L.text("help.opt.bench_args"), valueName: "options"))
    var options: [String] = []

    func run() throws {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let bench = PathNames.join(PathNames.parent(me), "cabinet-bench")
        guard access(bench, X_OK) == 0 else { throw CabinetError.usage(key: "error.bench_missing") }
        let argv = ([bench] + options).map { strdup($0) } + [nil]
        execv(bench, argv)
        throw CabinetError.vault(.io(path: bench, errno: errno))
    }
}
