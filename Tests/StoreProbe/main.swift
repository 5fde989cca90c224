// cabinet-store-probe: a helper process the store tests drive (crash loops,
// two writers at once, temp-file workloads). Test-only; never installed.
@_spi(Testing) import CabinetStore
import CabinetCore
import CabinetStoreTesting
import Foundation
import GRDB

func say(_ s: String) {
    let line = s + "\n"
    _ = line.withCString { write(1, $0, strlen($0)) }
}

func fail(_ s: String) -> Never {
    FileHandle.standardError.write(Data((s + "\n").utf8))
    exit(1)
}

let args = Array(CommandLine.arguments.dropFirst())
guard args.count >= 4 else { fail("usage: probe COMMAND VAULT LOGIN PASSFILE [ARGS...]") }
let (command, path, login, passFile) = (args[0], args[1], args[2], args[3])
let rest = Array(args.dropFirst(4))
guard let pass = try? String(contentsOfFile: passFile, encoding: .utf8).split(separator: "\n").first.map(String.init) else {
    fail("no passphrase")
}

do {
    switch command {
    case "writer":
        // Commits one row (plus a few updates) per transaction forever,
        // acknowledging each commit on stdout once COMMIT has returned.
        let mode = rest.first ?? "wal"
        let vault = try Vault.unlock(at: path, login: login, passphrase: Passphrase(pass), openDatabase: false)
        let sql = try vault.openSQL()
        try sql.exec("PRAGMA journal_mode = \(mode == "wal" ? "WAL" : "DELETE")")
        try sql.exec(mode == "wal" ? "PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0"
                                   : "PRAGMA synchronous = FULL")
        try sql.exec("PRAGMA cache_size = 50")  // spill pages mid-transaction
        try sql.exec("""
            CREATE TABLE IF NOT EXISTS acked(id INTEGER PRIMARY KEY, label TEXT, payload BLOB);
            CREATE INDEX IF NOT EXISTS acked_label ON acked(label);
            """)
        var next = Int64(try sql.exec("SELECT coalesce(max(id), 0) + 1 FROM acked").first ?? "1") ?? 1
        say("ready")
        while true {
            let big = next % 17 == 0
            try sql.exec("BEGIN IMMEDIATE")
            try sql.run("INSERT INTO acked(id, label, payload) VALUES (?, ?, randomblob(?))",
                        [.int(next), .text("row-\(next)"), .int(big ? 300_000 : Int64(200 + next % 3000))])
            try sql.exec("UPDATE acked SET label = label || '' WHERE id IN (SELECT id FROM acked ORDER BY random() LIMIT 3)")
            try sql.exec("COMMIT")
            say("ack \(next)")
            if mode == "wal" && next % 40 == 0 { try sql.exec("PRAGMA wal_checkpoint(RESTART)") }
            next += 1
        }

    case "counter":
        // The application's own path (GRDB pool, WAL, busy timeout, the
        // writer's checkpoints): increments a shared counter and logs it.
        let name = rest.first ?? "x"
        let count = Int(rest.dropFirst().first ?? "500") ?? 500
        // A pause between commits (ms): a desk at work, not a tight loop
        // that would starve every other writer of the lock.
        let pause = UInt32(rest.dropFirst(2).first ?? "0") ?? 0
        let vault = try Vault.unlock(at: path, login: login, passphrase: Passphrase(pass))
        guard let db = vault.database else { fail("no database") }
        say("ready")
        for seq in 1...count {
            try db.write { db in
                try db.execute(sql: "UPDATE counter SET n = n + 1 WHERE id = 1")
                try db.execute(sql: "INSERT INTO log(writer, seq, filler) VALUES (?, ?, randomblob(700))",
                               arguments: [name, seq])
            }
            say("ack \(seq)")
            if pause > 0 { usleep(pause * 1000) }
        }
        vault.lock()
        say("done")

    case "booker":
        // Books the same slots as another booker, as fast as it can: each
        // slot must end up with one appointment, never two.
        let patient = Int64(rest.first ?? "1") ?? 1
        let slots = Int(rest.dropFirst().first ?? "50") ?? 50
        let base = TimeInterval(rest.dropFirst(2).first.flatMap(Double.init) ?? 0)
        let vault = try Vault.unlock(at: path, login: login, passphrase: Passphrase(pass))
        say("ready")
        var won = 0, lost = 0
        for i in 0..<slots {
            let start = Date(timeIntervalSince1970: base + TimeInterval(i * 20 * 60))
            do {
                _ = try vault.practice().agenda.book(patient: patient, start: start, minutes: 20, type: "consultation", force: false,
                                   now: Date(timeIntervalSince1970: base - 3600))
                won += 1
            } catch CabinetError.agenda(.conflict) {
                lost += 1
            } catch CabinetError.agenda(.bookingNeedsForce) {
                lost += 1
            }
        }
        vault.lock()
        say("won \(won) lost \(lost)")
        say("done")

    case "nextfree":
        // Books the next free slot from the same start as another process,
        // COUNT times, as fast as it can: prints each slot it got, and any
        // conflict (there must be none).
        let patient = Int64(rest.first ?? "1") ?? 1
        let count = Int(rest.dropFirst().first ?? "6") ?? 6
        let base = TimeInterval(rest.dropFirst(2).first.flatMap(Double.init) ?? 0)
        let vault = try Vault.unlock(at: path, login: login, passphrase: Passphrase(pass))
        say("ready")
        for _ in 0..<count {
            do {
                guard let booked = try vault.practice().agenda.bookNextFree(patient: patient, from: Date(timeIntervalSince1970: base), minutes: 20,
                                                          type: "consultation", now: Date(timeIntervalSince1970: base - 3600))
                else { say("none"); continue }
                say("slot \(Int64(booked.start.timeIntervalSince1970))")
            } catch CabinetError.agenda(.conflict) {
                say("conflict")
            }
        }
        vault.lock()
        say("done")

    case "tempwork":
        // Sorts larger than the cache, an index build and a VACUUM: with
        // temp_store=MEMORY nothing may reach $TMPDIR.
        let vault = try Vault.unlock(at: path, login: login, passphrase: Passphrase(pass), openDatabase: false)
        let sql = try vault.openSQL()
        try sql.exec("PRAGMA cache_size = 20")
        try sql.exec("""
            CREATE TABLE IF NOT EXISTS big(id INTEGER PRIMARY KEY, k TEXT, v BLOB);
            WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 20000)
            INSERT INTO big(k, v) SELECT hex(randomblob(16)), randomblob(200) FROM c;
            """)
        let sorted = try sql.exec("SELECT count(*) FROM (SELECT k FROM big ORDER BY k DESC, v)")
        try sql.exec("CREATE INDEX IF NOT EXISTS big_k ON big(k, v)")
        let distinct = try sql.exec("SELECT count(DISTINCT v) FROM big")
        try sql.exec("VACUUM")
        say("sorted \(sorted.first ?? "") distinct \(distinct.first ?? "") refused \(vault.refusedTempFiles)")

    default:
        fail("unknown command \(command)")
    }
} catch let e as CabinetError {
    fail("error: \(e.message(Catalog.load(.english)))")
} catch {
    fail("error: \(error)")
}
