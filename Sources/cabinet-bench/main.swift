// cabinet-bench: the sealed store measured side by side with plain SQLite in
// one process (A B A B…), so that the ratio holds on a noisy machine.
// Foundation stage of the benchmark suite: `cabinet bench` takes it over.
//
//   swift run -c release cabinet-bench [--quick] [--json]
@_spi(Testing) import CabinetStore
import CabinetCore
import Foundation

let args = CommandLine.arguments
let quick = args.contains("--quick")
let json = args.contains("--json")
let rounds = quick ? 2 : 11
let bulkRows = quick ? 2_000 : 20_000
let mixedOps = quick ? 500 : 6_000
let passphrase = "Banc-Essai-Fictif-2026!"

let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cabinet-bench-\(getpid())")
try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: dir) }

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.isEmpty ? 0 : (s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2)
}

/// A fresh database of each kind; the sealed one through the vault's VFS.
func fresh(_ sealed: Bool, _ name: String) throws -> (SealedSQL, Vault?) {
    let path = dir.appendingPathComponent(name).path
    for s in ["", "-wal", "-shm", "-journal"] { unlink(path + s) }
    if sealed {
        let (vault, _) = try Vault.create(at: path, doctorLogin: "bench", passphrase: passphrase, kdf: .minimumForTests)
        let sql = try vault.openSQL()
        return (sql, vault)
    }
    return (try SealedSQL.plain(path: path), nil)
}

func setUp(_ sql: SealedSQL) throws {
    try sql.exec("""
        PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY;
        PRAGMA cache_size = -16000; PRAGMA mmap_size = 0;
        CREATE TABLE IF NOT EXISTS patient(id INTEGER PRIMARY KEY, last TEXT, first TEXT, born TEXT,
                                           address TEXT, notes TEXT);
        CREATE INDEX IF NOT EXISTS patient_name ON patient(last, first);
        """)
}

func row(_ i: Int) -> [SQLParam] {
    let names = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau"]
    return [.text(names[i % names.count] + "-\(i % 997)"), .text("Prénom\(i % 431)"),
            .text(String(format: "19%02d-%02d-%02d", i % 100, i % 12 + 1, i % 28 + 1)),
            .text(String(repeating: "rue fictive ", count: 8) + "\(i)"),
            .text(String(repeating: "note fictive \(i) ", count: 16))]
}

func bulk(_ sql: SealedSQL, rows: Int) throws {
    var i = 0
    while i < rows {
        try sql.exec("BEGIN")
        for _ in 0..<500 where i < rows {
            try sql.run("INSERT INTO patient(last, first, born, address, notes) VALUES (?, ?, ?, ?, ?)", row(i))
            i += 1
        }
        try sql.exec("COMMIT")
    }
}

/// The operations of a mixed workload, in twentieths.
struct Mix {
    let name: String
    let pointReads, searches, counts, updates, inserts: Int // sums to 20

    /// What a practice does all day: mostly opening records and searching
    /// names; a write for a few reads (25 % writes).
    static let application = Mix(name: "application mix (50% point reads, 15% name searches, 10% range counts, 15% updates, 10% inserts)",
                                 pointReads: 10, searches: 3, counts: 2, updates: 3, inserts: 2)
    /// A harsher mix for reference (40 % writes).
    static let writeHeavy = Mix(name: "write-heavy mix (40% point reads, 10% searches, 10% counts, 20% updates, 20% inserts)",
                                pointReads: 8, searches: 2, counts: 2, updates: 4, inserts: 4)
}

func mixed(_ sql: SealedSQL, ops: Int, rows: Int, seed: UInt64, mix: Mix = .application) throws {
    var x = seed
    func next() -> Int { x = x &* 6364136223846793005 &+ 1442695040888963407; return Int(x >> 33) }
    for _ in 0..<ops {
        let k = next() % 20, id = next() % rows + 1
        if k < mix.pointReads {
            try sql.exec("SELECT last, first, born, address FROM patient WHERE id = \(id)")
        } else if k < mix.pointReads + mix.searches {
            try sql.exec("SELECT id, last, first, born FROM patient WHERE last >= 'Moreau-\(id % 997)' AND last < 'Moreau-\(id % 997)~' ORDER BY last, first LIMIT 20")
        } else if k < mix.pointReads + mix.searches + mix.counts {
            try sql.exec("SELECT count(*) FROM patient WHERE id BETWEEN \(id) AND \(id + 200)")
        } else if k < mix.pointReads + mix.searches + mix.counts + mix.updates {
            try sql.run("UPDATE patient SET notes = ? WHERE id = ?", [.text("mise à jour fictive \(next())"), .int(Int64(id))])
        } else {
            try sql.run("INSERT INTO patient(last, first, born, address, notes) VALUES (?, ?, ?, ?, ?)", row(next()))
        }
    }
}

// Profiling aid: `CABINET_BENCH_ONLY=sealed|plain` runs the mixed workload on
// one side only (for callgrind/perf), without the timing comparison.
if let only = ProcessInfo.processInfo.environment["CABINET_BENCH_ONLY"] {
    let (sql, vault) = try fresh(only == "sealed", "profile-\(only)")
    try setUp(sql)
    try bulk(sql, rows: bulkRows)
    try mixed(sql, ops: mixedOps, rows: bulkRows, seed: 1)
    vault?.lock()
    exit(0)
}

var results: [String: Any] = [:]
var lines: [String] = []

// Bulk import: fresh database each run, A B A B.
var bulkTimes: [Bool: [Double]] = [true: [], false: []]
for r in 0..<rounds {
    for sealed in (r % 2 == 0 ? [true, false] : [false, true]) {
        let (sql, vault) = try fresh(sealed, "bulk-\(sealed)")
        try setUp(sql)
        let t0 = now()
        try bulk(sql, rows: bulkRows)
        bulkTimes[sealed, default: []].append(now() - t0)
        vault?.lock()
    }
}
let bulkRatio = median(bulkTimes[true] ?? []) / median(bulkTimes[false] ?? [])
lines.append(String(format: "bulk import %d rows (500-row transactions): sealed %.1f ms, plain %.1f ms, ratio %.3f (target ≤ 1.5)",
                    bulkRows, median(bulkTimes[true] ?? []) * 1000, median(bulkTimes[false] ?? []) * 1000, bulkRatio))
results["bulkRatio"] = bulkRatio

// Mixed workload on a populated database of each kind, A B A B.
let (sealedSQL, sealedVault) = try fresh(true, "mixed-sealed")
let (plainSQL, _) = try fresh(false, "mixed-plain")
for s in [sealedSQL, plainSQL] { try setUp(s); try bulk(s, rows: bulkRows) }
for (key, mix) in [("mixedRatio", Mix.application), ("writeHeavyRatio", Mix.writeHeavy)] {
    var times: [Bool: [Double]] = [true: [], false: []]
    for r in 0..<rounds {
        for sealed in (r % 2 == 0 ? [true, false] : [false, true]) {
            let t0 = now()
            try mixed(sealed ? sealedSQL : plainSQL, ops: mixedOps, rows: bulkRows, seed: UInt64(r + 1), mix: mix)
            times[sealed, default: []].append(now() - t0)
        }
    }
    let ratio = median(times[true] ?? []) / median(times[false] ?? [])
    lines.append(String(format: "%@, %d ops: sealed %.1f ms, plain %.1f ms, ratio %.3f%@",
                        mix.name, mixedOps, median(times[true] ?? []) * 1000, median(times[false] ?? []) * 1000, ratio,
                        key == "mixedRatio" ? " (target ≤ 1.15)" : ""))
    results[key] = ratio
}
sealedVault?.lock()

// Unlock with the product's Argon2id MODERATE slot.
let unlockPath = dir.appendingPathComponent("unlock.vault").path
let (created, _) = try Vault.create(at: unlockPath, doctorLogin: "bench", passphrase: passphrase)
created.lock()
var unlockTimes: [Double] = []
for _ in 0..<(quick ? 1 : 5) {
    let t0 = now()
    let v = try Vault.unlock(at: unlockPath, login: "bench", passphrase: passphrase, openDatabase: false)
    unlockTimes.append(now() - t0)
    v.lock()
}
lines.append(String(format: "unlock (Argon2id MODERATE, 256 MiB): median %.0f ms over %d (target ≤ 1000 ms)",
                    median(unlockTimes) * 1000, unlockTimes.count))
results["unlockSeconds"] = median(unlockTimes)

if json {
    let data = try JSONSerialization.data(withJSONObject: results, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
} else {
    lines.forEach { print($0) }
}
