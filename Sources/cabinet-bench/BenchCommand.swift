import ArgumentParser
import CabinetApp
import CabinetCore
import CabinetDemo
import CabinetStoreTesting
import CabinetServices
@_spi(Testing) import CabinetStore
import Foundation
import TerminalUI

/// `cabinet-bench` (also reached as `cabinet bench`): how fast Cabinet is,
/// side by side with its references. A developer's tool, its own executable
/// so that the product links none of it: English output, figures with
/// their targets. Speed is measured here, never asserted by the tests.
struct BenchCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "cabinet-bench", abstract: L.text("help.bench"))
    }

    @Flag(name: .customLong("quick"), help: ArgumentHelp(L.text("help.opt.bench_quick")))
    var quick = false

    @Flag(name: .customLong("json"), help: ArgumentHelp(L.text("help.opt.json")))
    var json = false

    @Flag(name: .customLong("peers"), help: ArgumentHelp(L.text("help.opt.bench_peers")))
    var peers = false

    @Option(name: .customLong("data"), help: ArgumentHelp(L.text("help.opt.bench_data"), valueName: "dir"))
    var data: String?

    // Internal modes, run as child processes by the bench itself.
    @Option(name: .customLong("run-sql"), help: .hidden) var runSQL: String?
    @Option(name: .customLong("script"), help: .hidden) var script: String?
    @Option(name: .customLong("rss-probe"), help: .hidden) var rssProbe: String?
    /// Prints a peers script (`bulk` or `mixed`), to profile one engine alone.
    @Option(name: .customLong("peer-script"), help: .hidden) var peerScript: String?

    func run() throws {
        if let vault = runSQL, let script {
            try PeerBench.runSQL(vault: vault, script: script)
            return
        }
        if let name = peerScript {
            guard let phase = PeerBench.Phase(rawValue: name) else { throw ValidationError("--peer-script bulk|mixed") }
            Term.out(try PeerBench.script(phase: phase, quick: quick))
            return
        }
        if let vault = rssProbe {
            Term.out(String(try Bench.residentAfterOpening(vault)))
            return
        }
        var bench = Bench(quick: quick, dataDirectory: data ?? Bench.defaultDataDirectory(), json: json)
        try bench.runAll(peers: peers)
    }
}

/// The measurements.
struct Bench {
    let quick: Bool
    let dataDirectory: String
    let json: Bool
    var figures: [BenchFigure] = []
    static let login = "bench"
    static let passphrase = "Banc-Essai-Fictif-2026!"

    init(quick: Bool, dataDirectory: String, json: Bool) {
        self.quick = quick
        self.dataDirectory = dataDirectory
        self.json = json
    }

    static func defaultDataDirectory() -> String {
        let env = ProcessInfo.processInfo.environment
        if let xdg = env["XDG_CACHE_HOME"], !xdg.isEmpty { return PathNames.join(xdg, "cabinet-bench") }
        return PathNames.join(PathNames.join(env["HOME"] ?? "/tmp", ".cache"), "cabinet-bench")
    }

    func say(_ s: String) { if !json { Term.err(s) } }

    mutating func add(_ f: BenchFigure) {
        figures.append(f)
        guard !json else { return }
        let verdict = f.met.map { $0 ? "ok" : "MISSED" } ?? "info"
        func fmt(_ v: Double) -> String {
            switch f.unit {
            case "s": return v < 1 ? String(format: "%.2f ms", v * 1000) : String(format: "%.2f s", v)
            case "ratio": return String(format: "%.3f", v)
            case "MB": return String(format: "%.1f MB", v)
            default: return String(format: "%.0f", v)
            }
        }
        // Long names are kept whole (on their own line), never cut.
        var line = f.name.count <= 62 ? f.name.padding(toLength: 62, withPad: " ", startingAt: 0) : f.name + "\n" + String(repeating: " ", count: 62)
        line += " median " + fmt(f.median)
        if let p = f.p99 { line += ", p99 " + fmt(p) }
        line += "   target " + f.target + " [" + verdict + "]"
        Term.out(line)
    }

    mutating func runAll(peers: Bool) throws {
        #if DEBUG
        say("warning: a debug build; figures are meaningful only from `swift build -c release` (scripts/bench)")
        #endif
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        // Profiling aids: `CABINET_BENCH_ONLY=week` (or `open`) repeats the
        // week view (or the opening of the 200-consultation record) on the
        // large vault only, for perf or callgrind; `slot` times the next
        // free slot on a full book; `copies` times verify and rekey beside
        // cp on the large vault; `peers` runs the peers comparison alone.
        switch ProcessInfo.processInfo.environment["CABINET_BENCH_ONLY"] {
        case "week":
            try measureWeek(try demoVault(patients: quick ? 1_000 : 50_000, years: quick ? 5 : 20), rounds: 400)
        case "slot":
            try measureSlot(try demoVault(patients: quick ? 1_000 : 50_000, years: quick ? 5 : 20))
        case "open":
            try measureOpen(try demoVault(patients: quick ? 1_000 : 50_000, years: quick ? 5 : 20), rounds: 400)
        case "copies":
            let (patients, years) = quick ? (1_000, 5) : (50_000, 20)
            try measureCopies(try demoVault(patients: patients, years: years), label: "\(patients) patients/\(years) y")
        case "peers":
            for f in try PeerBench.run(quick: quick, rounds: quick ? 2 : 7, selfPath: Bench.selfPath) { add(f) }
        default:
            try runEverything(peers: peers)
        }
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            Term.out(String(decoding: try enc.encode(figures), as: UTF8.self))
        }
    }

    private mutating func runEverything(peers: Bool) throws {
        try StoreBench(quick: quick, directory: dataDirectory).run(into: &self)
        let small = quick ? (300, 3) : (5_000, 10)
        let large = quick ? (1_000, 5) : (50_000, 20)
        for (patients, years) in [small, large] {
            let path = try demoVault(patients: patients, years: years)
            try measureVault(path, label: "\(patients) patients/\(years) y")
        }
        try measureCopies(try demoVault(patients: large.0, years: large.1), label: "\(large.0) patients/\(large.1) y")
        try measureStartToPrompt(try demoVault(patients: large.0, years: large.1))
        let rss = try residentInChild(try demoVault(patients: large.0, years: large.1))
        add(BenchFigure(name: "resident memory, \(large.0)-patient vault open, idle", unit: "MB", median: rss, p99: nil,
                        reference: nil, target: "≤ 100 MB", met: rss <= 100))
        if peers {
            for f in try PeerBench.run(quick: quick, rounds: quick ? 2 : 7, selfPath: Bench.selfPath) { add(f) }
        }
    }

    /// This executable (`cabinet-bench`), run again for the bench's own
    /// child modes.
    static var selfPath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// The application measured: `cabinet`, beside this executable.
    static var cabinetPath: String {
        PathNames.join(PathNames.parent(selfPath), "cabinet")
    }

    // MARK: - Demo vaults

    /// The demo vault of this size, made once and kept in the data directory
    /// (its generation time recorded beside it).
    mutating func demoVault(patients: Int, years: Int) throws -> String {
        let path = PathNames.join(dataDirectory, "demo-\(patients)-\(years).vault")
        let timing = path + ".seconds"
        if !FileManager.default.fileExists(atPath: path) || !FileManager.default.fileExists(atPath: timing) {
            for s in ["", "-wal", "-shm", ".attempts", ".seconds"] { unlink(path + s) }
            say("making the demo vault \(patients) patients / \(years) years (once; kept in \(dataDirectory))…")
            let (v, _) = try Vault.create(at: path, doctorLogin: Self.login, passphrase: Passphrase(Self.passphrase),
                                          metadata: ["doctor_name": try BenchText.require().doctorName, "demo": "1"])
            let t0 = benchNow()
            var last = 0.0
            let summary = try v.fillDemo(patients: patients, years: years, seed: 2026) { done, total in
                guard !json, benchNow() - last > 1 || done == total else { return }
                last = benchNow()
                Term.errInline("  \(done) / \(total) patients")
            }
            let seconds = benchNow() - t0
            if !json { Term.err("") }
            // One patient with 200 consultations, for the record-opening figure.
            let id: Int64 = 1
            let have = try v.practice().patients.entries(patient: id, kind: .consultation).count
            let t = try BenchText.require()
            for i in have..<200 {
                _ = try v.practice().patients.addEntry(patient: id, kind: .consultation,
                                           occurredOn: CivilDate(Date()).adding(days: -i * 30) ?? CivilDate(Date()),
                                           fields: ["reason": BenchText.fill(t.recordReason, ["i": String(i)]),
                                                    "examination": String(repeating: t.recordExamination, count: 20),
                                                    "conclusion": BenchText.fill(t.recordConclusion, ["i": String(i)])])
            }
            v.lock()
            try String(format: "%.1f %d %d", seconds, summary.consultations, summary.appointments)
                .write(toFile: timing, atomically: true, encoding: .utf8)
        }
        let parts = ((try? String(contentsOfFile: timing, encoding: .utf8)) ?? "").split(separator: " ")
        if let s = parts.first.flatMap({ Double($0) }), !figures.contains(where: { $0.name.hasPrefix("cabinet demo \(patients) ") }) {
            let appts = parts.count > 2 ? " (\(parts[2]) appointments)" : ""
            add(BenchFigure(name: "cabinet demo \(patients) patients / \(years) y\(appts)", unit: "s", median: s, p99: nil,
                            reference: nil, target: "minutes, progress shown", met: patients < 50_000 ? nil : s < 15 * 60))
        }
        return path
    }

    // MARK: - The application on a demo vault

    mutating func measureVault(_ path: String, label: String) throws {
        let services = VaultServices(path: path)
        let info = try services.signIn(login: Self.login, passphrase: Passphrase(Self.passphrase), totp: nil)
        defer { services.signOut(discardDraft: true) }
        guard let practice = services.practice else { return }
        let patients = practice.patients

        // Search as you type: the index is loaded at the first search.
        let t0 = benchNow()
        _ = try patients.search("a")
        let load = benchNow() - t0
        add(BenchFigure(name: "search index load, \(label)", unit: "s", median: load, p99: nil, reference: nil,
                        target: "once per sign-in", met: nil))
        let names = try patients.search("m").prefix(40).map(\.displayName)
        var keystrokes: [Double] = []
        for name in names {
            let words = name.split(separator: " ")
            let typed = String(words.first?.prefix(6) ?? "") + " " + String(words.dropFirst().first?.prefix(3) ?? "")
            var prefix = ""
            for ch in typed {
                prefix.append(ch)
                let s = benchNow()
                _ = try patients.search(prefix)
                keystrokes.append(benchNow() - s)
            }
        }
        add(BenchFigure(name: "patient search, per keystroke, \(label)", unit: "s", median: benchMedian(keystrokes),
                        p99: benchP99(keystrokes), reference: nil, target: "p99 ≤ 10 ms", met: benchP99(keystrokes) <= 0.010))

        // Opening the record with 200 consultations as the interface does:
        // identity, every clinical entry in force decrypted, the history, and
        // the trace of the opening committed (a WAL checkpoint falls on about
        // one opening in two hundred: enough rounds to meet some).
        var opens: [Double] = []
        for _ in 0..<(quick ? 10 : 300) {
            let s = benchNow()
            _ = try patients.open(1)
            opens.append(benchNow() - s)
        }
        add(BenchFigure(name: "open a record with 200 consultations, \(label)", unit: "s", median: benchMedian(opens),
                        p99: benchP99(opens), reference: nil, target: "p99 ≤ 20 ms", met: benchP99(opens) <= 0.020))

        // The week view: load the week and render it (in-memory screen).
        var state = AppState(now: Date())
        state.session = info
        state.route = .main(.agenda)
        state.agenda.view = .week
        state.columns = 120
        state.rows = 40
        let catalog = Catalog.load(.french)
        var weeks: [Double] = []
        let today = CivilDate(Date())
        // 52 weeks visited four times each: a p99 over 208 samples, first
        // visits (pages read and unsealed) among them.
        for i in 0..<(quick ? 10 : 208) {
            state.agenda.date = today.adding(days: -7 * (i % 52)) ?? today
            let s = benchNow()
            let (from, to) = state.agenda.range(state.now)
            let span = try practice.agenda.span(from: from, to: to)
            state.agenda.appointments = span.appointments
            state.agenda.absences = span.absences
            state.agenda.hours = span.hours
            _ = render(state, catalog: catalog)
            weeks.append(benchNow() - s)
        }
        add(BenchFigure(name: "build and render the week view, \(label)", unit: "s", median: benchMedian(weeks),
                        p99: benchP99(weeks), reference: nil, target: "p99 ≤ 5 ms", met: benchP99(weeks) <= 0.005))

        // A keystroke through the whole loop (event → reducer → effects →
        // services → render → in-memory screen): typing in the patient search,
        // then moving through the agenda's days.
        let screen = InMemoryScreen(columns: 120, rows: 40)
        var start = AppState(now: Date())
        start.route = .signIn
        let runner = AppRunner(screen: screen, services: services, catalog: catalog, state: start)
        // Already signed in above: hand the session to the runner's state.
        runner.step(nil)
        var loop: [Double] = []
        runner.debugSignIn(info)
        runner.step(.key(.function(3)))
        for name in names.prefix(quick ? 5 : 20) {
            for ch in String(name.prefix(8)) {
                let s = benchNow()
                runner.step(.key(.char(ch)))
                loop.append(benchNow() - s)
            }
            runner.step(.key(.escape))
        }
        runner.step(.key(.function(2)))
        for _ in 0..<(quick ? 10 : 40) {
            let s = benchNow()
            runner.step(.key(.right))
            loop.append(benchNow() - s)
            screen.dropFrames()
        }
        add(BenchFigure(name: "a keystroke through the app loop to a frame, \(label)", unit: "s", median: benchMedian(loop),
                        p99: benchP99(loop), reference: nil, target: "p99 ≤ 16 ms", met: benchP99(loop) <= 0.016))
    }

    /// `verify` and `rekey` of the demo vault, each beside `/bin/cp` of the
    /// same file into the same directory (the copy deleted after). The
    /// re-key runs on that copy: the kept demo vault is never changed.
    mutating func measureCopies(_ path: String, label: String) throws {
        let dir = PathNames.parent(path)
        // A new path each round: a doctor's desk keeps a witness of each
        // vault at each path (Trust.swift), and a fresh copy of the demo
        // vault at the path of the last round's copy is, rightly, a trail
        // gone back in time.
        var round = 0
        var copy: String { PathNames.join(dir, "rekey-\(getpid())-\(round).vault") }
        func removeCopy() {
            for s in ["", "-wal", "-shm", "-journal", ".rekey", ".rekey-journal", ".attempts", ".backup-lock"] { unlink(copy + s) }
        }
        removeCopy()
        defer { removeCopy() }
        let size = Double((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0) / 1_000_000
        func cp() throws -> Double {
            let t0 = benchNow()
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/cp")
            p.arguments = [path, copy]
            try p.run()
            p.waitUntilExit()
            let t = benchNow() - t0
            guard p.terminationStatus == 0 else { throw CabinetError.vault(.io(path: copy, errno: EIO)) }
            return t
        }
        // Reading a file back whole (as a check of a plain copy would).
        func readBack(_ file: String) throws -> Double {
            let t0 = benchNow()
            let fd = open(file, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw CabinetError.vault(.io(path: file, errno: errno)) }
            defer { close(fd) }
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 16)
            defer { buffer.deallocate() }
            while read(fd, buffer, 1 << 20) > 0 {}
            return benchNow() - t0
        }
        // Backups go outside the vault's folder (the rule refuses it).
        let backups = PathNames.join(PathNames.parent(dir), "cabinet-bench-backups-\(getpid())")
        try FileManager.default.createDirectory(atPath: backups, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: backups) }
        let rounds = quick ? 1 : 3
        var copies: [Double] = [], verifies: [Double] = [], rekeys: [Double] = [], trusts: [Double] = []
        var readBacks: [Double] = [], backupTimes: [Double] = [], peaks: [Double] = []
        var stepTimes: [String: [Double]] = [:]
        for n in 0..<rounds {
            round = n
            // verify beside cp: the keys unlocked first (Argon2 not timed).
            let v = try Vault.unlock(at: path, login: Self.login, passphrase: Passphrase(Self.passphrase), openDatabase: false)
            let t0 = benchNow()
            let report = try v.verify()
            verifies.append(benchNow() - t0)
            v.lock()
            guard report.isOK else { throw CabinetError.integrity(.integrityCheckFailed(count: report.damaged.count + report.integrityErrors.count)) }
            // cp, then re-key that copy (its unlock not timed), then delete it.
            copies.append(try cp())
            readBacks.append(try readBack(copy))
            let r = try Vault.unlock(at: copy, login: Self.login, passphrase: Passphrase(Self.passphrase))
            // The end-of-day backup of that copy, checked by restore; the
            // peak resident memory it adds (reset first: /proc/self/clear_refs).
            try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
            let rssBefore = benchResidentMB()
            let tb = benchNow()
            // When each step began (the check runs its pages, structure and
            // rows on two threads: one step).
            var marks: [String: Double] = [:]
            let backup = try r.practice().backup.run(to: backups) { p in
                if marks[p.step.rawValue] == nil { marks[p.step.rawValue] = benchNow() }
            }
            let tEnd = benchNow()
            backupTimes.append(tEnd - tb)
            let order = ["snapshot", "copy", "verify"]
            for (i, k) in order.enumerated() {
                guard let start = marks[k] else { continue }
                let end = order.dropFirst(i + 1).compactMap { marks[$0] }.first ?? tEnd
                stepTimes[k, default: []].append(end - start)
            }
            peaks.append(max(0, benchPeakResidentMB() - rssBefore))
            guard backup.state == .verified else { throw CabinetError.backup(.damaged(path: backup.path, region: .content)) }
            unlink(backup.path)
            // What a doctor's `cabinet verify` adds, on the copy (opening
            // the database writes): the trail's chain and signatures, the
            // list of accounts, every clinical row's MAC.
            let t2 = benchNow()
            let chain = try r.practice().audit.verify()
            let findings = try r.verifyTrust()
            trusts.append(benchNow() - t2)
            if let finding = findings.first { throw CabinetError.integrity(.tampered(finding)) }
            guard chain.isOK else { throw CabinetError.integrity(.auditChainBroken(seq: chain.firstBad ?? 0)) }
            let t1 = benchNow()
            try r.rekey()
            rekeys.append(benchNow() - t1)
            r.lock()
            removeCopy()
        }
        let c = benchMedian(copies), vt = benchMedian(verifies), rk = benchMedian(rekeys)
        add(BenchFigure(name: String(format: "cp of the vault file (%.0f MB), \(label)", size), unit: "s", median: c, p99: nil,
                        reference: nil, target: "reference", met: nil))
        add(BenchFigure(name: "verify, \(label)", unit: "s", median: vt, p99: nil, reference: nil, target: "information", met: nil))
        add(BenchFigure(name: "verify ÷ cp, \(label)", unit: "ratio", median: vt / c, p99: nil, reference: c,
                        target: "information", met: nil))
        add(BenchFigure(name: "verify, trail and trust checks (doctor), \(label)", unit: "s", median: benchMedian(trusts), p99: nil,
                        reference: nil, target: "information", met: nil))
        let reference = benchMedian(copies.indices.map { copies[$0] + readBacks[$0] }), bk = benchMedian(backupTimes)
        add(BenchFigure(name: "cp of the vault file then reading the copy back, \(label)", unit: "s", median: reference, p99: nil,
                        reference: nil, target: "reference", met: nil))
        add(BenchFigure(name: "backup with its check by restore (snapshot, sealed copy, pages, integrity_check, rows), \(label)",
                        unit: "s", median: bk, p99: nil, reference: nil, target: "information", met: nil))
        add(BenchFigure(name: "backup with its check ÷ (cp + read back), \(label)", unit: "ratio", median: bk / reference, p99: nil,
                        reference: reference, target: "≤ 2", met: bk / reference <= 2))
        for k in ["snapshot", "copy", "verify"] {
            guard let t = stepTimes[k] else { continue }
            add(BenchFigure(name: "backup step \(k), \(label)", unit: "s", median: benchMedian(t), p99: nil, reference: nil,
                            target: "information", met: nil))
        }
        add(BenchFigure(name: String(format: "peak memory added by the backup (vault %.0f MB), \(label)", size), unit: "MB",
                        median: benchMedian(peaks), p99: nil, reference: nil, target: "flat (no whole-file buffer)", met: nil))
        add(BenchFigure(name: "rekey (page copy, page check, fsync, swap), \(label)", unit: "s", median: rk, p99: nil, reference: nil,
                        target: "information", met: nil))
        add(BenchFigure(name: "rekey ÷ cp, \(label)", unit: "ratio", median: rk / c, p99: nil, reference: c,
                        target: "≤ 3", met: rk / c <= 3))
    }

    mutating func measureWeek(_ path: String, rounds: Int) throws {
        let services = VaultServices(path: path)
        let info = try services.signIn(login: Self.login, passphrase: Passphrase(Self.passphrase), totp: nil)
        defer { services.signOut(discardDraft: true) }
        guard let agenda = services.practice?.agenda else { return }
        var state = AppState(now: Date())
        state.session = info
        state.route = .main(.agenda)
        state.agenda.view = .week
        state.columns = 120
        state.rows = 40
        let catalog = Catalog.load(.french)
        let today = CivilDate(Date())
        var load: [Double] = [], draw: [Double] = []
        for i in 0..<rounds {
            state.agenda.date = today.adding(days: -7 * (i % 52)) ?? today
            let s = benchNow()
            let (from, to) = state.agenda.range(state.now)
            let span = try agenda.span(from: from, to: to)
            let m = benchNow()
            state.agenda.appointments = span.appointments
            state.agenda.absences = span.absences
            state.agenda.hours = span.hours
            _ = render(state, catalog: catalog)
            load.append(m - s)
            draw.append(benchNow() - m)
        }
        // The first visit of each week (its pages read and unsealed) apart
        // from the visits after it (served from SQLite's page cache).
        let firstVisits = Array(zip(load, draw).prefix(52)).map { $0 + $1 }
        let later = Array(zip(load, draw).dropFirst(52)).map { $0 + $1 }
        add(BenchFigure(name: "week view: first visit of a week", unit: "s", median: benchMedian(firstVisits),
                        p99: benchP99(firstVisits), reference: nil, target: "information", met: nil))
        add(BenchFigure(name: "week view: a week seen before", unit: "s", median: benchMedian(later), p99: benchP99(later),
                        reference: nil, target: "information", met: nil))
        add(BenchFigure(name: "week view: load", unit: "s", median: benchMedian(load), p99: benchP99(load), reference: nil,
                        target: "information", met: nil))
        add(BenchFigure(name: "week view: render", unit: "s", median: benchMedian(draw), p99: benchP99(draw), reference: nil,
                        target: "information", met: nil))
    }

    /// The next free slot on a full book: days a year back, where the demo
    /// left every day taken (the search reads a week, then 91 days).
    mutating func measureSlot(_ path: String) throws {
        let services = VaultServices(path: path)
        _ = try services.signIn(login: Self.login, passphrase: Passphrase(Self.passphrase), totp: nil)
        defer { services.signOut(discardDraft: true) }
        guard let agenda = services.practice?.agenda else { return }
        var times: [Double] = []
        for i in 0..<30 {
            let s = benchNow()
            _ = try agenda.nextFreeSlot(from: Date().addingTimeInterval(Double(i - 400) * 86_400), minutes: 20)
            times.append(benchNow() - s)
        }
        add(BenchFigure(name: "next free slot, a full book", unit: "s", median: benchMedian(times), p99: benchP99(times),
                        reference: nil, target: "information", met: nil))
    }

    mutating func measureOpen(_ path: String, rounds: Int) throws {
        let services = VaultServices(path: path)
        _ = try services.signIn(login: Self.login, passphrase: Passphrase(Self.passphrase), totp: nil)
        defer { services.signOut(discardDraft: true) }
        guard let patients = services.practice?.patients else { return }
        var opens: [Double] = []
        for _ in 0..<rounds {
            let s = benchNow()
            _ = try patients.open(1)
            opens.append(benchNow() - s)
        }
        // The slowest rounds and where they fell (a checkpoint, a cold read).
        let slow = opens.enumerated().sorted { $0.element > $1.element }.prefix(6)
            .map { "#\($0.offset) " + String(Int(($0.element * 1e5).rounded()) / 100) + " ms" }
        say("slowest: " + slow.joined(separator: ", "))
        add(BenchFigure(name: "open a record with 200 consultations", unit: "s", median: benchMedian(opens), p99: benchP99(opens),
                        reference: nil, target: "information", met: nil))
    }

    // MARK: - Start and memory, in child processes

    /// From exec to the first frame of the sign-in screen, in a pseudo-terminal.
    mutating func measureStartToPrompt(_ vault: String) throws {
        var times: [Double] = []
        for _ in 0..<(quick ? 2 : 9) {
            times.append(try PseudoTerminal.timeToExit(Self.cabinetPath, ["--vault", vault], env: ["CABINET_EXIT_AT_PROMPT": "1"]))
        }
        add(BenchFigure(name: "start to sign-in prompt", unit: "s", median: benchMedian(times), p99: nil, reference: nil,
                        target: "≤ 200 ms", met: benchMedian(times) <= 0.200))
    }

    func residentInChild(_ vault: String) throws -> Double {
        let out = try PseudoTerminal.output(Self.selfPath, ["--rss-probe", vault])
        guard let kb = Double(out.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw CabinetError.usage(key: "error.bench_probe")
        }
        return kb / 1024
    }

    /// In the probe process: sign in, load the search index, open the week,
    /// then read the resident set (the Argon2 memory is freed by then).
    static func residentAfterOpening(_ vault: String) throws -> Int {
        let services = VaultServices(path: vault)
        _ = try services.signIn(login: login, passphrase: Passphrase(passphrase), totp: nil)
        defer { services.signOut(discardDraft: true) }
        guard let practice = services.practice else { return 0 }
        _ = try practice.patients.search("ma")
        let today = CivilDate(Date())
        let (from, _) = PracticeClock.dayBounds(today.monday)
        _ = try practice.agenda.span(from: from, to: from.addingTimeInterval(7 * 86_400))
        usleep(300_000)
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }
}

/// The store side by side with plain SQLite (A B A B in one process).
struct StoreBench {
    let quick: Bool
    let directory: String

    func run(into bench: inout Bench) throws {
        let text = try BenchText.require()
        let rounds = quick ? 2 : 11
        let rows = quick ? 2_000 : 20_000
        let ops = quick ? 500 : 6_000
        let dir = PathNames.join(directory, "store-\(getpid())")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func fresh(_ sealed: Bool, _ name: String) throws -> (SealedSQL, Vault?) {
            let path = PathNames.join(dir, name)
            for s in ["", "-wal", "-shm", "-journal"] { unlink(path + s) }
            if sealed {
                let (vault, _) = try Vault.create(at: path, doctorLogin: "bench", passphrase: Passphrase(Bench.passphrase), kdf: .minimumForTests)
                return (try vault.openSQL(), vault)
            }
            return (try SealedSQL.plain(path: path), nil)
        }
        var bulk: [Bool: [Double]] = [:]
        for _ in 0..<rounds {
            // Both files loaded side by side, one 500-row transaction at a
            // time on each (A B B A …), each side's time summed.
            let (sealedSQL, vault) = try fresh(true, "bulk-sealed")
            let (plainSQL, _) = try fresh(false, "bulk-plain")
            try StoreWorkload.setUp(sealedSQL)
            try StoreWorkload.setUp(plainSQL)
            var spent = [true: 0.0, false: 0.0]
            var start = 0, block = 0
            while start < rows {
                for sealed in (block % 2 == 0 ? [true, false] : [false, true]) {
                    let t0 = benchNow()
                    try StoreWorkload.bulk(sealed ? sealedSQL : plainSQL, from: start, to: min(rows, start + 500), text)
                    spent[sealed, default: 0] += benchNow() - t0
                }
                start += 500
                block += 1
            }
            for sealed in [true, false] { bulk[sealed, default: []].append(spent[sealed] ?? 0) }
            vault?.lock()
        }
        let b = benchMedian(bulk[true] ?? []) / benchMedian(bulk[false] ?? [])
        bench.add(BenchFigure(name: "sealed ÷ plain SQLite, bulk import (\(rows) rows)", unit: "ratio", median: b, p99: nil,
                              reference: benchMedian(bulk[false] ?? []), target: "≤ 1.5", met: b <= 1.5))
        let (sealedSQL, sealedVault) = try fresh(true, "mixed-sealed")
        let (plainSQL, _) = try fresh(false, "mixed-plain")
        for s in [sealedSQL, plainSQL] { try StoreWorkload.setUp(s); try StoreWorkload.bulk(s, rows: rows, text) }
        for mix in [StoreWorkload.Mix.application, .writeHeavy] {
            var times: [Bool: [Double]] = [:]
            for r in 0..<rounds {
                // The same operations on both sides, interleaved by blocks of
                // 50 (A B B A …): a stall of the machine (a checkpoint's
                // fsync, the disk's writeback) falls on both sides alike
                // instead of on one whole round.
                var runs = [true: StoreWorkload.MixedRun(seed: UInt64(r + 1), text: text),
                            false: StoreWorkload.MixedRun(seed: UInt64(r + 1), text: text)]
                var spent = [true: 0.0, false: 0.0]
                var done = 0, block = 0
                while done < ops {
                    let n = min(50, ops - done)
                    for sealed in (block % 2 == 0 ? [true, false] : [false, true]) {
                        let t0 = benchNow()
                        try runs[sealed]?.step(sealed ? sealedSQL : plainSQL, ops: n, rows: rows, mix: mix)
                        spent[sealed, default: 0] += benchNow() - t0
                    }
                    done += n
                    block += 1
                }
                for sealed in [true, false] { times[sealed, default: []].append(spent[sealed] ?? 0) }
            }
            let ratio = benchMedian(times[true] ?? []) / benchMedian(times[false] ?? [])
            let main = mix.name == StoreWorkload.Mix.application.name
            bench.add(BenchFigure(name: "sealed ÷ plain SQLite, " + mix.name, unit: "ratio", median: ratio, p99: nil,
                                  reference: benchMedian(times[false] ?? []), target: main ? "≤ 1.15" : "information",
                                  met: main ? ratio <= 1.15 : nil))
        }
        sealedVault?.lock()
        let unlockPath = PathNames.join(dir, "unlock.vault")
        let (created, _) = try Vault.create(at: unlockPath, doctorLogin: "bench", passphrase: Passphrase(Bench.passphrase))
        created.lock()
        var unlock: [Double] = []
        for _ in 0..<(quick ? 1 : 5) {
            let t0 = benchNow()
            let v = try Vault.unlock(at: unlockPath, login: "bench", passphrase: Passphrase(Bench.passphrase), openDatabase: false)
            unlock.append(benchNow() - t0)
            v.lock()
        }
        bench.add(BenchFigure(name: "unlock (Argon2id MODERATE, 256 MiB)", unit: "s", median: benchMedian(unlock), p99: nil,
                              reference: nil, target: "≤ 1 s", met: benchMedian(unlock) <= 1))
    }
}

/// The SQL workloads of the store comparison (the same statements on both sides).
/// (Tables of their own: a vault already has a `patient` table.)
enum StoreWorkload {
    static func setUp(_ sql: SealedSQL) throws {
        try sql.exec("""
            PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY;
            PRAGMA cache_size = -16000; PRAGMA mmap_size = 0;
            CREATE TABLE IF NOT EXISTS bench_patient(id INTEGER PRIMARY KEY, last TEXT, first TEXT, born TEXT, address TEXT, notes TEXT);
            CREATE INDEX IF NOT EXISTS bench_patient_name ON bench_patient(last, first);
            """)
    }

    /// Row `i`: surnames from the first ten of the bench's list, so that
    /// the searches below (the tenth one's prefix) find some.
    static func row(_ i: Int, _ t: BenchText) -> [SQLParam] {
        [.text(t.lastNames[i % 10] + "-\(i % 997)"), .text(BenchText.fill(t.storeFirstName, ["i": String(i % 431)])),
         .text(String(format: "19%02d-%02d-%02d", i % 100, i % 12 + 1, i % 28 + 1)),
         .text(String(repeating: t.storeAddress, count: 8) + "\(i)"),
         .text(String(repeating: BenchText.fill(t.storeNote, ["i": String(i)]), count: 16))]
    }

    static func bulk(_ sql: SealedSQL, rows: Int, _ t: BenchText) throws {
        var start = 0
        while start < rows {
            try bulk(sql, from: start, to: min(rows, start + 500), t)
            start += 500
        }
    }

    /// Rows `from..<to` in one transaction.
    static func bulk(_ sql: SealedSQL, from: Int, to: Int, _ t: BenchText) throws {
        try sql.exec("BEGIN")
        for i in from..<to {
            try sql.run("INSERT INTO bench_patient(last, first, born, address, notes) VALUES (?, ?, ?, ?, ?)", row(i, t))
        }
        try sql.exec("COMMIT")
    }

    /// The operations of a mixed workload, in twentieths.
    struct Mix {
        let name: String
        let pointReads, searches, counts, updates, inserts: Int
        static let application = Mix(name: "application mix (50% reads, 15% searches, 10% counts, 25% writes)",
                                     pointReads: 10, searches: 3, counts: 2, updates: 3, inserts: 2)
        static let writeHeavy = Mix(name: "write-heavy mix (40% writes)", pointReads: 8, searches: 2, counts: 2, updates: 4, inserts: 4)
    }

    /// A mixed workload run in steps: the same seed gives the same
    /// operations, however the steps are cut.
    struct MixedRun {
        var x: UInt64
        let text: BenchText
        init(seed: UInt64, text: BenchText) {
            x = seed
            self.text = text
        }

        mutating func next() -> Int {
            x = x &* 6364136223846793005 &+ 1442695040888963407
            return Int(x >> 33)
        }

        mutating func step(_ sql: SealedSQL, ops: Int, rows: Int, mix: Mix) throws {
            for _ in 0..<ops {
                let k = next() % 20, id = next() % rows + 1
                if k < mix.pointReads {
                    try sql.exec("SELECT last, first, born, address FROM bench_patient WHERE id = \(id)")
                } else if k < mix.pointReads + mix.searches {
                    let prefix = text.lastNames[9] + "-\(id % 997)"
                    try sql.exec("SELECT id, last, first, born FROM bench_patient WHERE last >= '\(prefix)' AND last < '\(prefix)~' ORDER BY last, first LIMIT 20")
                } else if k < mix.pointReads + mix.searches + mix.counts {
                    try sql.exec("SELECT count(*) FROM bench_patient WHERE id BETWEEN \(id) AND \(id + 200)")
                } else if k < mix.pointReads + mix.searches + mix.counts + mix.updates {
                    try sql.run("UPDATE bench_patient SET notes = ? WHERE id = ?", [.text(BenchText.fill(text.storeUpdate, ["n": String(next())])), .int(Int64(id))])
                } else {
                    try sql.run("INSERT INTO bench_patient(last, first, born, address, notes) VALUES (?, ?, ?, ?, ?)", row(next(), text))
                }
            }
        }
    }
}

/// Child processes in a pseudo-terminal (the interface needs one).
enum PseudoTerminal {
    /// Runs `path args` on a new pty as its controlling terminal, draining
    /// its output, and returns the seconds until it exits.
    static func timeToExit(_ path: String, _ args: [String], env extra: [String: String] = [:]) throws -> Double {
        let t0 = benchNow()
        _ = try run(path, args, env: extra)
        return benchNow() - t0
    }

    static func output(_ path: String, _ args: [String]) throws -> String {
        try run(path, args, env: [:])
    }

    private static func run(_ path: String, _ args: [String], env extra: [String: String]) throws -> String {
        // /dev/ptmx by hand (posix_openpt and friends are not exported to
        // Swift by Glibc): unlock the slave, ask its number (Linux ioctls).
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        guard master >= 0 else { throw CabinetError.vault(.io(path: "/dev/ptmx", errno: errno)) }
        defer { close(master) }
        var unlock: Int32 = 0
        var number: UInt32 = 0
        let TIOCSPTLCK: UInt = 0x4004_5431, TIOCGPTN: UInt = 0x8004_5430
        guard ioctl(master, TIOCSPTLCK, &unlock) == 0, ioctl(master, TIOCGPTN, &number) == 0 else {
            throw CabinetError.vault(.io(path: "/dev/ptmx", errno: errno))
        }
        let slavePath = "/dev/pts/\(number)"
        var winsize = winsize(ws_row: 40, ws_col: 120, ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(master, UInt(TIOCSWINSZ), &winsize)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd in Int32(0)...2 { posix_spawn_file_actions_addopen(&actions, fd, slavePath, O_RDWR, 0) }
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        let POSIX_SPAWN_SETSID: Int32 = 0x80  // glibc's value (not exported to Swift)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK))
        var env = ProcessInfo.processInfo.environment
        env["TERM"] = "xterm-256color"
        for (k, v) in extra { env[k] = v }
        let argv = [path] + args
        var cArgs = argv.map { strdup($0) } + [nil]
        var cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { cArgs.forEach { free($0) }; cEnv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attr, &cArgs, &cEnv)
        guard rc == 0 else { throw CabinetError.vault(.io(path: path, errno: rc)) }
        var out = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)
        var status: Int32 = 0
        while true {
            let n = read(master, &buffer, buffer.count)
            if n > 0 { out += buffer[0..<n]; continue }
            let done = waitpid(pid, &status, WNOHANG)
            if done == pid { break }
            usleep(500)
        }
        while true {
            let n = read(master, &buffer, buffer.count)
            if n <= 0 { break }
            out += buffer[0..<n]
        }
        return String(decoding: out, as: UTF8.self).replacingOccurrences(of: "\r", with: "")
    }
}
