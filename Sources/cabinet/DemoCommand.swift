import ArgumentParser
import CabinetCore
import CabinetDemo
import CabinetStore
import Foundation

/// `cabinet demo`: fills a demonstration vault with fictitious, realistic
/// records (for trying Cabinet and for the benchmarks).
struct DemoCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "demo", abstract: L.text("help.demo"))
    }

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("patients"), help: ArgumentHelp(L.text("help.opt.demo_patients"), valueName: "n"))
    var patients = 500

    @Option(name: .customLong("years"), help: ArgumentHelp(L.text("help.opt.demo_years"), valueName: "years"))
    var years = 10

    @Option(name: .customLong("seed"), help: ArgumentHelp(L.text("help.opt.demo_seed"), valueName: "n"))
    var seed: UInt64 = 2026

    func validate() throws {
        guard (1...200_000).contains(patients) else { throw CabinetError.usage(key: "error.demo_patients") }
        guard (1...30).contains(years) else { throw CabinetError.usage(key: "error.demo_years") }
    }

    func run() throws {
        let vault = try global.signIn().vault
        defer { vault.signOut() }
        try vault.prepareForDemo()
        let started = Date()
        var lastShown = Date.distantPast
        let summary = try vault.fillDemo(patients: patients, years: years, seed: seed) { done, total in
            // Progress on the terminal, at most a few times a second.
            guard done == total || Date().timeIntervalSince(lastShown) > 0.25 else { return }
            lastShown = Date()
            let percent = total == 0 ? 100 : done * 100 / total
            Term.errInline(L.text("demo.progress", ["done": String(done), "total": String(total), "percent": String(percent)]))
        }
        Term.err("")
        let seconds = String(format: "%.1f", Date().timeIntervalSince(started))
        if global.json {
            Term.out("{\"patients\":\(summary.patients),\"consultations\":\(summary.consultations),\"vitals\":\(summary.vitals),"
                     + "\"otherEntries\":\(summary.otherEntries),\"documents\":\(summary.documents),\"appointments\":\(summary.appointments),"
                     + "\"seconds\":\(seconds)}")
        } else {
            Term.out(L.text("demo.done", ["patients": String(summary.patients), "consultations": String(summary.consultations),
                                          "vitals": String(summary.vitals), "documents": String(summary.documents),
                                          "appointments": String(summary.appointments),
                                          "seconds": seconds]))
        }
    }
}
